// The platforms' own published schemas, read from ../shared/vendor-schemas (or VENDOR_SCHEMAS_DIR).
// A missing folder fails loudly: conformance must never pass by not checking.
import Ajv from "ajv";
import AjvDraft04 from "ajv-draft-04";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
export const VENDOR_DIR = path.resolve(process.env.VENDOR_SCHEMAS_DIR ?? path.join(repoRoot, "../shared/vendor-schemas"));

export function requireVendorDir(): string {
  if (!fs.existsSync(path.join(VENDOR_DIR, "alexa/alexa_smart_home_message_schema.json"))) {
    throw new Error(
      `Partner schemas not found in ${VENDOR_DIR}: put shared/vendor-schemas beside the repository or set VENDOR_SCHEMAS_DIR`,
    );
  }
  return VENDOR_DIR;
}

const read = (rel: string) => JSON.parse(fs.readFileSync(path.join(requireVendorDir(), rel), "utf8"));

export interface Validator {
  (data: unknown): boolean;
  errors?: unknown[] | null;
}

/** Amazon's schema: draft-04 with a few non-standard keywords and formats, which we ignore. */
export function alexaValidator(): Validator {
  const ajv = new AjvDraft04({ strict: false, validateFormats: false, allErrors: false, unicodeRegExp: false });
  return ajv.compile(read("alexa/alexa_smart_home_message_schema.json")) as Validator;
}

export function alexaSample(rel: string): unknown {
  return read(`alexa/sample_messages/${rel}`);
}

/** A Google schema (draft-07) by its path under google/. */
export function googleValidator(rel: string): Validator {
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: false, unicodeRegExp: false });
  return ajv.compile(read(`google/${rel}`)) as Validator;
}
