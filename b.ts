import { benchWarden } from './bench/warden.js';
const runs = Number(process.argv[2] ?? 3);
for (let i = 0; i < runs; i++) {
  const cpu0 = process.cpuUsage();
  const r = await benchWarden({ jobs: 20000, concurrency: 8, file: '/tmp/wb.db', synchronous: 'normal' });
  const cpu = process.cpuUsage(cpu0);
  console.log(Math.round(r.endToEndPerSec), 'jobs/s e2e;', ((cpu.user + cpu.system) / 20000).toFixed(1), 'us cpu/job;', r.totalMs.toFixed(0), 'ms');
}
