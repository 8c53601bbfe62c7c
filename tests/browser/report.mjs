// Report: counts individual checks (passed / failed), prints each failure with its
// details as it happens, and prints the closing summary `browser: N passed, M failed`.

const MAX_LINES_PER_CHECK = 40;

export class Report {
  constructor() {
    this.passed = 0;
    this.failed = 0;
    this.failures = []; // { section, name, problems }
    this.timings = []; // [label, text]
  }

  /** Records one check; `problems` is a list of strings, empty when it passed. */
  check(section, name, problems) {
    if (!problems || problems.length === 0) {
      this.passed += 1;
      return true;
    }
    this.failed += 1;
    this.failures.push({ section, name, problems });
    const lines = problems.slice(0, MAX_LINES_PER_CHECK);
    console.log(`FAIL [${section}] ${name}`);
    for (const line of lines) console.log(`    ${String(line).replace(/\n/g, '\n    ')}`);
    if (problems.length > lines.length) {
      console.log(`    … and ${problems.length - lines.length} more`);
    }
    return false;
  }

  /** Prints a one-line summary of a section (only what the section did, not the totals). */
  section(section, text) {
    console.log(`[${section}] ${text}`);
  }

  timing(label, text) {
    this.timings.push([label, text]);
  }

  /** Prints the summary; returns the process exit code. */
  finish() {
    console.log('');
    console.log('==== summary ====');
    for (const [label, text] of this.timings) console.log(`time   ${label}: ${text}`);
    if (this.failures.length > 0) {
      const bySection = new Map();
      for (const f of this.failures) {
        if (!bySection.has(f.section)) bySection.set(f.section, []);
        bySection.get(f.section).push(f.name);
      }
      for (const [section, names] of bySection) {
        const shown = names.slice(0, 20).join(', ');
        const more = names.length > 20 ? `, … (${names.length - 20} more)` : '';
        console.log(`failed [${section}] ${names.length}: ${shown}${more}`);
      }
    }
    console.log(`browser: ${this.passed} passed, ${this.failed} failed`);
    return this.failed === 0 ? 0 : 1;
  }
}
