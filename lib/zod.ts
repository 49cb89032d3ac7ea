// zod for schemas that are also built in the browser (the desk's forms validate with them).
// There zod must not probe for `new Function` (its JIT for object schemas): the desk's CSP has
// no 'unsafe-eval', so the probe, although caught, is reported as a CSP violation. Import `z`
// from here, not from "zod", in any module a client component reaches; the server keeps the JIT.
import { z } from "zod";

if (typeof window !== "undefined") z.config({ jitless: true });

export { z };
