import type { Linter } from 'eslint';

export declare const layerZones: Array<{ target: string; from: string | string[]; message: string }>;
export declare const domainForbiddenModules: string[];
export declare function layerRules(): Linter.Config[];
