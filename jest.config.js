/** Jest: ts-jest, one Azurite per run (tests/support/global-setup.ts), loopback only. */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  globalSetup: "<rootDir>/tests/support/global-setup.ts",
  globalTeardown: "<rootDir>/tests/support/global-teardown.ts",
  testTimeout: 60000,
  transform: {
    "^.+\\.ts$": ["ts-jest", {}],
    // jose ships ES modules only; Node loads them natively (require(esm)), Jest needs them transpiled.
    "^.+/node_modules/jose/.+\\.js$": ["ts-jest", { tsconfig: { allowJs: true }, diagnostics: false }],
  },
  transformIgnorePatterns: ["/node_modules/(?!jose/)"],
};
