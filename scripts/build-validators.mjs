#!/usr/bin/env node
// After `tsc`: writes ajv's standalone code for the recipe schema next to the compiled validator
// module (see src/lib/recipe-validators.ts for why, and for how a stale file is never used).
import { writePrecompiled } from '../dist/src/lib/recipe-validators.js';

writePrecompiled();
