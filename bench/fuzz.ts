import { runFuzz } from './lib/fuzz';

/** `npm run test:fuzz [-- --requests N --seed S --concurrency C]`: one JSON summary line; non-zero on any failure. */
async function main(): Promise<void> {
  const option = (name: string): number | undefined => {
    const index = process.argv.indexOf(`--${name}`);
    if (index < 0) return undefined;
    const value = Number(process.argv[index + 1]);
    if (!Number.isInteger(value)) throw new Error(`--${name} takes a whole number (got ${process.argv[index + 1]})`);
    return value;
  };
  const { failures, ...summary } = await runFuzz({
    requests: option('requests'),
    seed: option('seed'),
    concurrency: option('concurrency'),
  });
  for (const failure of failures) process.stderr.write(`${failure}\n`);
  console.log(JSON.stringify(summary));
  const failed = summary.five_xx > 0 || summary.bad_error_bodies > 0 || summary.no_answer > 0 || !summary.healthy_after;
  process.exitCode = failed ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
