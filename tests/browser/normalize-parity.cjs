// Node only, no browser: runs search-engine.js on the cases Rust wrote (tests/testsuite/parity.rs)
// and reports every field that differs. Usage: node normalize-parity.cjs SEARCH_ENGINE_JS CASES_JSONL
'use strict';

const fs = require('fs');
const path = require('path');

const [engineFile, casesFile] = process.argv.slice(2);
if (!engineFile || !casesFile) {
  console.error('usage: node normalize-parity.cjs search-engine.js cases.jsonl');
  process.exit(2);
}
const { Engine, Rules } = require(path.resolve(engineFile));

const lines = fs.readFileSync(casesFile, 'utf8').split('\n').filter((l) => l.length);
const { rules: json } = JSON.parse(lines[0]);
const rules = new Rules(json);
// The query analysis before the index is asked needs only the rules.
const engine = new Engine('search-index/');
engine.rules = rules;

let failures = 0;
let count = 0;
for (const line of lines.slice(1)) {
  const expected = JSON.parse(line);
  const input = expected.input;
  const normalized = rules.normalize(input);
  const parts = engine.wordParts(input);
  const clauses = parts.map(([word]) => word);
  const snippet = engine.snippet(input, clauses, 12);
  const actual = {
    input,
    prep: rules.prep(input),
    normalized: normalized.chars.join(''),
    source: normalized.source,
    fold: rules.fold(input),
    parts,
    snippet: [snippet.text, snippet.highlights],
  };
  count += 1;
  for (const field of Object.keys(expected)) {
    const want = JSON.stringify(expected[field]);
    const got = JSON.stringify(actual[field]);
    if (want !== got) {
      failures += 1;
      if (failures <= 30) {
        console.log(`DIFFERS ${JSON.stringify(input)} ${field}: Rust ${want}, search-engine.js ${got}`);
      }
    }
  }
}
if (failures) {
  console.log(`${failures} differences in ${count} cases`);
  process.exit(1);
}
console.log(`${count} cases agree`);
