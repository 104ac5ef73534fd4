#!/usr/bin/env node
// The `slipway` bin: the CLI is TypeScript, run through tsx's loader so `npx slipway …` works in
// a clone right after `npm ci`, with no build step.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
