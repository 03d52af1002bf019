import { z } from 'zod';

// The page's security policy forbids eval: zod must not probe for it (the probe logs a policy
// violation on every load) and validates without generated code. Schemas read this when they
// are built, so main.tsx imports this module before anything else.
z.config({ jitless: true });
