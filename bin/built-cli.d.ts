/** out/main/cli.js, the CLI built by `npm run build`. */
export declare const BUILT_CLI: URL
/** Whether the built CLI exists and is newer than every TypeScript source file it is made of (`root`: the package folder, this one by default). */
export declare function builtCliIsCurrent(root?: URL): boolean
