import { mobyDickLm } from "./main";
const t = Date.now(); const c0 = process.cpuUsage();
await mobyDickLm({ limit: Number(process.argv[2]), numWords: Number(process.argv[3]), epochs: Number(process.argv[4]), verbose: 0 });
const c = process.cpuUsage(c0);
console.log((Date.now() - t) / 1000, "s wall", (c.user + c.system) / 1e6, "s cpu");
