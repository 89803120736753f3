// CSV that legal and homeowners open in a spreadsheet: names people typed never run as formulas.
import { describe, expect, it } from "vitest";
import { toCsv } from "./csv";

describe("CSV downloads", () => {
  it("prefixes a cell a spreadsheet would run as a formula, and quotes what needs quoting", () => {
    const csv = toCsv(
      ["device", "note"],
      [
        ['=HYPERLINK("http://evil","x")', "plain"],
        ["@SUM(A1)", "+1"],
        ["-2+3", "\tlead"],
        ["a,b", 'say "hi"\nand go'],
        [new Date("2026-12-01T00:00:00Z"), 21.5],
      ],
    );
    expect(csv.split("\n").slice(0, 4)).toEqual(["device,note", `"'=HYPERLINK(""http://evil"",""x"")",plain`, "'@SUM(A1),'+1", "'-2+3,'\tlead"]);
    expect(csv).toContain('"a,b","say ""hi""\nand go"');
    expect(csv.endsWith("2026-12-01T00:00:00.000Z,21.5\n")).toBe(true);
  });
});
