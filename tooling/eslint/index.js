// Shared flat config: TypeScript-aware recommended rules plus the few that catch real bugs here.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/.next/**", "**/dist/**", "**/node_modules/**", "**/.data/**", "**/drizzle/**", "**/next-env.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "no-console": "off",
      eqeqeq: ["error", "always", { null: "ignore" }],
      // Files read in one sitting, functions in one screen: a longer one says why in a comment
      // (an eslint-disable-next-line with its reason), as the worker's hot path may.
      "max-lines": ["error", { max: 300, skipBlankLines: true, skipComments: true }],
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
  {
    // A test file's describe and it callbacks are long by nature; the file still stays readable.
    files: ["**/*.test.ts", "**/*.spec.ts", "**/__tests__/**"],
    rules: { "max-lines-per-function": "off" },
  },
);
