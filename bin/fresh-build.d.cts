export interface BuildTarget {
  /** The package folder. */
  dir: string;
  /** How the package is named in messages (default: its name in TARGETS). */
  label?: string;
  /** Relative to `dir`: built with `tsc -p <tsconfig>`. */
  tsconfig?: string;
  /** Otherwise built with `npm run <npmScript>` in `dir`, which needs the package `tool` installed. */
  npmScript?: string;
  tool?: string;
  /** Files and folders, relative to `dir`, whose changes call for a build. */
  sources: string[];
  /** The file the launcher runs (or the node serves), relative to `dir`. */
  output: string;
  /** Targets made fresh first. */
  needs?: TargetName[];
}

export type TargetName = 'server' | 'client' | 'web';
export declare const TARGETS: Record<TargetName, BuildTarget>;
export declare class LaunchError extends Error {}
export declare function ensureFreshBuild(target: BuildTarget, name: string): void;
export declare function ensureFreshBuildOrExit(name: TargetName, program: string): void;
