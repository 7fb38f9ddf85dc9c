// Run in a fresh process by hash.test.ts: prints { modelName: hash } for every model in ./models.
import { ALL } from "./models";

const hashes = Object.fromEntries(Object.entries(ALL).map(([name, build]) => [name, build().hash]));
process.stdout.write(JSON.stringify(hashes));
