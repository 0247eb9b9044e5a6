/**
 * Unit, mock, contract and policy tests: fast and offline (`npm run test:unit`). The packaging and
 * workflow-lint tests, which run `npm pack`, `npm install` and `go install`, have their own config
 * (jest.tools.config.js); the real-PostgreSQL suite has jest.e2e.config.js. `npm test` runs all three.
 */
module.exports = {
  transform: { "^.+\\.ts$": "ts-jest" },
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testPathIgnorePatterns: [
    "/node_modules/",
    "<rootDir>/tests/e2e/",
    "<rootDir>/tests/package.test.ts",
    "<rootDir>/tests/workflows.test.ts",
  ],
};
