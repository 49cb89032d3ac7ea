// Public API of the renderer. Everything else is imported from its own module
// (./condition, ./request, ./signature, ./mask, …).
export { renderTemplate } from "./template";
