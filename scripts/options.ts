/**
 * Command-line options of the benchmark scripts: `--name=value` numbers.
 */

/** The number given as `--name=value`, or `fallback`. */
export function option(name: string, fallback: number): number {
  const arg = process.argv.find((value) => value.startsWith(`--${name}=`));
  return arg === undefined ? fallback : Number(arg.slice(name.length + 3));
}
