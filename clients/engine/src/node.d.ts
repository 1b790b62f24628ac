// The little of node that src/cli.ts uses, declared here so that the package needs no
// @types/node (the rest of the package runs anywhere: React Native, browsers, node).
declare module "node:fs" {
  export function readFileSync(path: string, encoding: "utf-8"): string;
}
