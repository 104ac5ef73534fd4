/**
 * zod/mini (what the Lambda bundles use: full zod would put them over their size budget) loads no
 * locale, so its own messages would read "Invalid input". The English one is set here, once, so a
 * refusal reads the same in Lambda as in tests and local mode (full zod sets it too).
 * Every module that defines schemas imports this file for that side effect.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());
