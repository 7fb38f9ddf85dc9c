/** The generated class's name: the export in PascalCase (`xorNet` -> `XorNet`, `two_inputs` -> `TwoInputs`). */
export function className(exportName: string): string {
  return exportName
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");
}
