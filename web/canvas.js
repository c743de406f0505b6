// The drawing pad: Pointer Events (mouse, touch, pen), strokes kept for undo.
// Light ink on black with soft edges, like MNIST's digits.

const SIZE = 280; // the canvas's own pixels (CSS may scale it)
const PEN_WIDTH = 14; // px at SIZE: MNIST-like (1–4.5 px) once scaled, from a full-canvas to a 50 px digit; a 20 px pen made small digits blobs

export class DrawingPad {
  constructor(canvas, { onStrokeEnd, onDraw }) {
    this.canvas = canvas;
    this.canvas.width = SIZE;
    this.canvas.height = SIZE;
    this.ctx = canvas.getContext("2d", { willReadFrequently: true });
    this.strokes = []; // each stroke: array of [x, y] in canvas pixels
    this.current = null;
    this.pointer = null; // the pointer drawing the current stroke: one at a time (a second finger is ignored)
    this.onStrokeEnd = onStrokeEnd;
    this.onDraw = onDraw;
    canvas.addEventListener("pointerdown", (e) => this.#down(e));
    canvas.addEventListener("pointermove", (e) => this.#move(e));
    canvas.addEventListener("pointerup", (e) => this.#up(e));
    canvas.addEventListener("pointercancel", (e) => this.#up(e));
    canvas.addEventListener("lostpointercapture", (e) => this.#up(e)); // (the stroke's end, whatever else was missed)
    this.redraw();
  }

  #point(e) {
    const r = this.canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * SIZE) / r.width, ((e.clientY - r.top) * SIZE) / r.height];
  }

  #down(e) {
    if (e.button !== undefined && e.button > 0) return;
    e.preventDefault();
    if (this.current && e.pointerId !== this.pointer) {
      if (e.pointerType !== "pen" || this.pointerType === "pen") return; // (another finger while one draws)
      this.strokes.pop(); // a pen after a finger: the finger was the hand resting on the screen
    }
    this.canvas.setPointerCapture(e.pointerId);
    this.pointer = e.pointerId;
    this.pointerType = e.pointerType;
    this.current = [this.#point(e)];
    this.strokes.push(this.current);
    this.redraw();
    this.onDraw();
  }

  #move(e) {
    if (!this.current || e.pointerId !== this.pointer) return;
    e.preventDefault();
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const ce of events.length ? events : [e]) this.current.push(this.#point(ce));
    this.redraw();
    this.onDraw();
  }

  #up(e) {
    if (!this.current || e.pointerId !== this.pointer) return;
    e.preventDefault();
    this.current = null;
    this.onStrokeEnd();
  }

  get isEmpty() {
    return this.strokes.length === 0;
  }

  clear() {
    this.strokes = [];
    this.current = null;
    this.redraw();
  }

  undo() {
    this.strokes.pop();
    this.current = null;
    this.redraw();
  }

  redraw() {
    const { ctx } = this;
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, SIZE, SIZE);
    ctx.strokeStyle = "#fff";
    ctx.fillStyle = "#fff";
    ctx.lineWidth = PEN_WIDTH;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.shadowColor = "rgba(255,255,255,0.6)";
    ctx.shadowBlur = 4;
    for (const stroke of this.strokes) {
      ctx.beginPath();
      if (stroke.length === 1) {
        ctx.arc(stroke[0][0], stroke[0][1], PEN_WIDTH / 2, 0, 2 * Math.PI);
        ctx.fill();
        continue;
      }
      ctx.moveTo(stroke[0][0], stroke[0][1]);
      for (const [x, y] of stroke.slice(1)) ctx.lineTo(x, y);
      ctx.stroke();
    }
    ctx.shadowBlur = 0;
  }

  // RGBA pixels for the worker (a copy it can take over).
  pixels() {
    const data = this.ctx.getImageData(0, 0, SIZE, SIZE);
    return { rgba: new Uint8Array(data.data.buffer), width: SIZE, height: SIZE };
  }
}

// Paint a 28×28 greyscale image (Uint8Array of 784) into a canvas.
export function paintDigit(canvas, pixels, side = 28) {
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(side, side);
  const data = img.data;
  for (let i = 0; i < side * side; i++) {
    const v = pixels[i];
    data[4 * i] = v;
    data[4 * i + 1] = v;
    data[4 * i + 2] = v;
    data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}
