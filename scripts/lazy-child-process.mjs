// An esbuild plugin shared by scripts/build.mjs and scripts/bundle-single.mjs.
/**
 * commander's lib/command.js requires node:child_process at load time, only to spawn executable
 * subcommands, which we do not have. Loading it (with net, dgram and streams) cost ~2.3 ms of
 * every start-up here, more than commander itself (~0.4 ms): it becomes a getter, loaded on first
 * use. The build fails if commander changes that line, instead of silently keeping the cost.
 */
export const lazyChildProcessInCommander = {
  name: 'lazy-child-process-in-commander',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      const source = await readFile(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!source.includes(eager)) throw new Error(`${args.path} no longer has \`${eager}\`: update scripts/lazy-child-process.mjs`);
      const lazy = "const childProcess = { get spawn() { return require('node:child_process').spawn; } };";
      // And node:process is the global process object: requiring it by name took ~50 µs of every
      // start-up here (the first require of a built-in not loaded yet goes the slow way once).
      const processModule = "const process = require('node:process');";
      if (!source.includes(processModule)) throw new Error(`${args.path} no longer has \`${processModule}\`: update scripts/lazy-child-process.mjs`);
      return { contents: source.replace(eager, lazy).replace(processModule, 'const process = globalThis.process;'), loader: 'js' };
    });
  },
};
