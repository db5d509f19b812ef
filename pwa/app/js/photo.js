// Photos are shrunk on the phone before upload: a 12 MP camera shot is 4-8 MB, which a weak
// basement signal cannot carry; 1600 px on the long side at JPEG 0.85 is a few hundred kB.

export const MAX_SIDE = 1600;
const QUALITY = 0.85;

async function decode(file) {
  if ("createImageBitmap" in window) {
    try {
      return await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch { /* fall back to <img> */ }
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The picked image as a JPEG Blob no larger than MAX_SIDE px on either side. */
export async function shrink(file) {
  const image = await decode(file);
  const w = image.width, h = image.height;
  const scale = Math.min(1, MAX_SIDE / Math.max(w, h));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(w * scale));
  canvas.height = Math.max(1, Math.round(h * scale));
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff"; // a transparent PNG would turn black in JPEG
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
  image.close?.();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
  return { blob, width: canvas.width, height: canvas.height };
}
