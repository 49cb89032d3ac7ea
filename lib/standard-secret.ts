// Browser-safe (Web Crypto): the Generate buttons of the webhook form and Log Settings.

/** whsec_ + base64 of 24 random bytes, as generateStandardSecret() makes on the server. */
export function newStandardSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return `whsec_${btoa(bin)}`;
}
