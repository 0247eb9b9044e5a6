/** Real-PostgreSQL suite (`npm run test:pg`): one throwaway cluster per test file, run serially. */
module.exports = {
  transform: { "^.+\\.ts$": "ts-jest" },
  testEnvironment: "node",
  roots: ["<rootDir>/tests/e2e"],
  testMatch: ["**/*.test.ts"],
  maxWorkers: 1,
  testTimeout: 120000,
};
