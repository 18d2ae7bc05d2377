/**
 * zod/mini with English issue messages. Every module that builds or runs a schema imports zod from here.
 *
 * zod/mini shares zod's core (same checks, same issues, same JSON Schema) without classic's method-chaining API, which
 * cost about 7 ms of import time per cold start and 60 KB of bundle. Unlike classic it loads no locale, so every issue
 * message would read "Invalid input"; the API returns these messages, so English is configured here, before any
 * schema can be built or run.
 */
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());

export * from 'zod/mini';
