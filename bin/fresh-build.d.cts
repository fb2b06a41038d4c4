export interface BuildTarget {
  /** The package folder. */
  dir: string;
  /** Relative to `dir`. */
  tsconfig: string;
  /** Files and folders, relative to `dir`, whose changes call for a build. */
  sources: string[];
  /** The file the launcher runs, relative to `dir`. */
  output: string;
}

export declare const TARGETS: Record<'server' | 'client', BuildTarget>;
export declare class LaunchError extends Error {}
export declare function ensureFreshBuild(target: BuildTarget, name: string): void;
export declare function ensureFreshBuildOrExit(name: 'server' | 'client', program: string): void;
