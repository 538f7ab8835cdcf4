/**
 * The web page: pick, drop or paste images; each is shown with its label per head and a bar per
 * class probability, all computed in this browser (./classify.ts). Plain DOM, no framework.
 * Test hooks are data attributes: #status[data-state], .card[data-file][data-state],
 * .head[data-head][data-label], .bar[data-class][data-probability].
 */
import { loadClassifier, type Classifier } from './classify.js';
import type { HeadPrediction } from '../browser.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLParagraphElement>('status');
const input = $<HTMLInputElement>('files');
const drop = $<HTMLDivElement>('drop');
const results = $<HTMLOListElement>('results');
const clear = $<HTMLButtonElement>('clear');

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

function setStatus(state: 'loading' | 'ready' | 'busy' | 'error', text: string): void {
  status.dataset.state = state;
  status.textContent = text;
}

const pct = (p: number) => `${(p * 100).toFixed(1)}%`;

function renderHead(name: string, h: HeadPrediction): HTMLElement {
  const section = el('section', { className: 'head' });
  section.dataset.head = name;
  section.dataset.label = h.label;
  section.append(el('h3', {}, el('span', { className: 'name' }, name), el('span', {}, el('strong', {}, h.label), ` ${pct(h.probability)}`)));
  const bars = el('ul', { className: 'bars' });
  bars.setAttribute('aria-label', `${name} probabilities`);
  for (const [cls, p] of Object.entries(h.probabilities)) {
    const fill = el('div', { className: 'fill' });
    fill.style.width = `${Math.max(0, Math.min(1, p)) * 100}%`;
    const track = el('div', { className: 'track' }, fill);
    track.setAttribute('aria-hidden', 'true');
    const li = el('li', { className: 'bar' }, el('span', { className: 'cls', title: cls }, cls), track, el('span', { className: 'pct' }, pct(p)));
    li.dataset.class = cls;
    li.dataset.probability = String(p);
    li.dataset.top = String(cls === h.label);
    bars.append(li);
  }
  section.append(bars);
  return section;
}

async function classifyAll(classifier: Classifier, files: File[]): Promise<void> {
  const images = files.filter((f) => f.type.startsWith('image/') || f.type === '');
  if (images.length === 0) return;
  clear.hidden = false;
  setStatus('busy', `Classifying ${images.length} image${images.length === 1 ? '' : 's'}…`);
  for (const file of images) {
    const name = file.name || 'pasted image';
    const body = el('div', { className: 'body' }, 'Classifying…');
    const img = el('img', { src: URL.createObjectURL(file), alt: name });
    const card = el('li', { className: 'card' }, el('figure', {}, img, el('figcaption', {}, name)), body);
    card.dataset.file = name;
    card.dataset.state = 'busy';
    results.prepend(card);
    try {
      const heads = await classifier.classify(file);
      body.replaceChildren(...Object.entries(heads).map(([h, p]) => renderHead(h, p)));
      img.alt = `${name}: ${Object.entries(heads).map(([h, p]) => `${h} ${p.label}`).join(', ')}`;
      card.dataset.state = 'done';
    } catch (e) {
      body.replaceChildren(el('p', { className: 'error' }, `Could not classify this file: ${(e as Error).message}`));
      card.dataset.state = 'error';
    }
  }
  setStatus('ready', `Done: ${images.length} image${images.length === 1 ? '' : 's'} classified. Add more any time.`);
}

function describeModel(c: Classifier): void {
  const info = $<HTMLDListElement>('model-info');
  const { height, width, preprocess } = c.meta.config.model;
  const rows: [string, string][] = [
    ...c.meta.heads.map((h): [string, string] => [h.name, h.vocab.join(', ')]),
    ['input', `${height}×${width}, ${c.meta.config.data.interpolation} resize, ${preprocess} scaling`],
  ];
  info.replaceChildren(...rows.map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', {}, v))));
  info.hidden = false;
}

async function start(): Promise<void> {
  let classifier: Classifier;
  try {
    classifier = await loadClassifier();
  } catch (e) {
    setStatus('error', `The model could not be loaded: ${(e as Error).message}. Serve this folder over HTTP (files next to model/).`);
    return;
  }
  describeModel(classifier);
  if (classifier.unsupported) {
    setStatus('error', classifier.unsupported);
    return;
  }
  input.disabled = false;
  setStatus('ready', 'Ready. Choose, drop or paste images.');

  input.addEventListener('change', () => {
    const files = Array.from(input.files ?? []);
    input.value = '';
    void classifyAll(classifier, files);
  });
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.dataset.active = 'true'; });
  drop.addEventListener('dragleave', () => { drop.dataset.active = 'false'; });
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.dataset.active = 'false';
    void classifyAll(classifier, Array.from(e.dataTransfer?.files ?? []));
  });
  // Dropping outside the zone must not navigate away from the page.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
  document.addEventListener('paste', (e) => void classifyAll(classifier, Array.from(e.clipboardData?.files ?? [])));
  clear.addEventListener('click', () => {
    for (const img of results.querySelectorAll('img')) URL.revokeObjectURL(img.src);
    results.replaceChildren();
    clear.hidden = true;
    input.focus();
  });
}

void start();
