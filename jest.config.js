/** Unit and mock tests: fast, no PostgreSQL. `npm test` runs these and the real-PostgreSQL suite. */
module.exports = {
  transform: { "^.+\\.ts$": "ts-jest" },
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/tests/e2e/"],
};
