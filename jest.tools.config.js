/** Tests that install or build tools (`npm run test:tools`): the package tarball in a consumer, actionlint. */
module.exports = {
  transform: { "^.+\\.ts$": "ts-jest" },
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["<rootDir>/tests/package.test.ts", "<rootDir>/tests/workflows.test.ts"],
  testTimeout: 600000,
};
