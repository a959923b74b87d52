// zod, set up once for a CLI. Every schema module imports `z` from here rather than from
// zod/mini, so the setting holds wherever zod is first loaded, and zod loads only with the first
// schema module: init into a new kubeconfig loads none (loading zod cost 1.2M instructions).
import { config } from 'zod/mini';

// zod compiles each object schema into a parser with new Function on its first parse: worth it for
// a server parsing millions of objects, pure cost for a CLI that parses a few once (that code is
// not in the code cache either).
config({ jitless: true });

// Re-exported name by name (consumers import * as z): a namespace object re-exported as a value
// would defeat esbuild's tree-shaking and put all of zod in the bundle.
export * from 'zod/mini';
