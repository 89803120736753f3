// Headers of a file the portal hands over: personal data and evidence, so never kept by a browser
// or a proxy cache (`no-store`), and saved under its own name.
export function downloadHeaders(contentType: string, filename: string): Record<string, string> {
  return {
    "content-type": contentType,
    "content-disposition": `attachment; filename="${filename}"`,
    "cache-control": "no-store",
  };
}
