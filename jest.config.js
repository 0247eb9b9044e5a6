/**
 * Unit, mock, contract and policy tests: fast and offline (`npm run test:unit`). The packaging and
 * workflow-lint tests, which run `npm pack`, `npm install` and `go install`, have their own config
 * (jest.tools.config.js); the real-PostgreSQL suite has jest.e2e.config.js. `npm test` runs all three.
 */
module.exports = {
  transform: { "^.+\\.ts$": "ts-jest" },
  testEnvironment: "node",
  // A hang guard, not a speed target (those live in the benchmark): a mock program that registers a
  // whole stack can take several seconds on a loaded 2-core runner, past jest's 5 s default.
  testTimeout: 30_000,
  roots: ["<rootDir>/tests"],
  testPathIgnorePatterns: [
    "/node_modules/",
    "<rootDir>/tests/e2e/",
    "<rootDir>/tests/package.test.ts",
    "<rootDir>/tests/workflows.test.ts",
  ],
};
