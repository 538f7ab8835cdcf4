/**
 * The argument parser, as a pure function: argv in, a typed command out, no process touched.
 * Commands run elsewhere (./commands/*); `main.ts` glues the two. Tests call `parseArgs`
 * directly (the commander habit of STYLE.md: the parser is testable without a process).
 */
import {
  fail, exitCodesHelp, SERVE_DEFAULTS, PRETRAIN_DEFAULTS, PIXEL_POOLS, type PixelPool, ARCHS, EXPORT_FORMATS, ALL_COLORS, ALL_TYPES, COMPARE_DEFAULTS, DEMO_DEFAULTS, GRID_DEFAULTS, BACKBONES, BACKBONE_PRESETS, DEFAULTS, DEFAULT_HEADS, INTERPOLATIONS, PREPROCESS_MODES, PRESETS, QUICK_PRESET, SYNTH_DEFAULTS, PREDICT_DEFAULTS, defaultBranchKind,
  type Arch, type BackboneName, type BranchKind, type PartialTrainConfig, type PhaseConfig,
} from '../index.js';
import { createRequire } from 'node:module';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

export interface CommonOptions {
  backend?: 'auto' | 'node' | 'wasm' | 'cpu';
  /** Where inference and frozen layers run: auto = onnxruntime when installed. */
  engine?: 'auto' | 'tfjs' | 'onnxruntime';
  threads?: number;
  quiet?: boolean;
}

export interface TrainArgs extends CommonOptions {
  command: 'train';
  /** Absent only with `resume`. */
  data?: string;
  out?: string;
  config: PartialTrainConfig;
  configFile?: string;
  preset?: 'quick';
  /** Continue the interrupted run whose -o folder this is; everything else comes from its checkpoint. */
  resume?: string;
  /** Replace an existing model at -o. */
  overwrite: boolean;
  /** Keep <out>.checkpoint/ after the final model is saved. */
  keepCheckpoints: boolean;
}

export interface CheckArgs extends CommonOptions {
  command: 'check';
  data: string;
  heads?: string[];
  json: boolean;
  skipInvalidFolders: boolean;
}

export interface SummaryArgs extends CommonOptions {
  command: 'summary';
  model?: string;
  config: PartialTrainConfig;
  classes: number[];
}

export interface PredictArgs extends CommonOptions {
  command: 'predict';
  model: string;
  inputs: string[];
  json: boolean;
  grid?: string;
  batchSize: number;
  /** Stream one JSON object per image to stdout as batches finish (JSON Lines). */
  jsonl: boolean;
  /** A JSON Lines file from an earlier run: images with a prediction there are skipped. */
  skipDone?: string;
  /** Exit 0 even when some inputs failed. */
  allowFailures: boolean;
}

export interface SynthArgs extends CommonOptions {
  command: 'synth';
  out: string;
  seed?: number;
  colors?: string[];
  types?: string[];
  trainCombos?: string[];
  testCombos?: string[];
  trainPerCombo?: number;
  testPerCombo?: number;
  width?: number;
  height?: number;
  workers?: number;
  sheet: boolean | string;
  force: boolean;
}

export interface PlotArgs extends CommonOptions {
  command: 'plot';
  model: string;
  out?: string;
}

export interface DemoArgs extends CommonOptions {
  command: 'demo';
  out: string;
  quick: boolean;
  /** --full without a cached VGG16 file: train on a random base anyway. */
  untrainedBase?: boolean;
}

export interface EvaluateArgs extends CommonOptions {
  command: 'evaluate';
  model: string;
  data: string;
  json: boolean;
  report?: string;
  trainCombos?: string[];
}

export interface CompareArgs extends CommonOptions {
  command: 'compare';
  data: string;
  test?: string;
  archs: Arch[];
  seeds: number[];
  rotate: boolean;
  out: string;
  config: PartialTrainConfig;
  configFile?: string;
  preset?: 'quick';
}

export interface WeightsGetArgs extends CommonOptions {
  command: 'weights';
  action: 'get';
  name: string;
  cacheDir?: string;
  force: boolean;
  retries?: number;
}

export interface WeightsListArgs extends CommonOptions {
  command: 'weights';
  action: 'list';
  cacheDir?: string;
  json: boolean;
}

export type WeightsArgs = WeightsGetArgs | WeightsListArgs;

export interface ExportArgs extends CommonOptions {
  command: 'export';
  model: string;
  format: 'onnx' | 'web';
  out?: string;
  triton: boolean;
  overwrite: boolean;
  verify: boolean;
}

export interface ServeArgs extends CommonOptions {
  command: 'serve';
  model: string;
  host: string;
  port: number;
  maxFiles: number;
  maxBodyBytes: number;
  maxPixels: number;
  batchWindowMs: number;
  maxBatch: number;
  maxQueue: number;
  requestTimeoutMs: number;
  apiKeyFile?: string;
  cors?: string;
}


export interface PretrainArgs extends CommonOptions {
  command: 'pretrain';
  out: string;
  work?: string;
  seed?: number;
  catalogSeed?: number;
  perType?: number;
  size?: [number, number];
  epochs?: number;
  steps?: number;
  valSteps?: number;
  lr?: number;
  batchSize?: number;
}

export type ParsedArgs = ServeArgs | TrainArgs | CheckArgs | SummaryArgs | PredictArgs | SynthArgs | PlotArgs | DemoArgs | EvaluateArgs | CompareArgs | WeightsArgs | ExportArgs | PretrainArgs;

const int = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} expects a whole number, received "${v}"`);
  return n;
};
/** Counts that must be at least 1 (steps, batch sizes, threads): 0 would spin or divide by zero. */
const posInt = (name: string) => (v: string): number => {
  const n = int(name)(v);
  if (n < 1) throw new InvalidArgumentError(`${name} expects a whole number of at least 1, received "${v}"`);
  return n;
};
const num = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} expects a number, received "${v}"`);
  return n;
};
/** A number > 0 (learning rates). */
const posNum = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError(`${name} expects a number above 0, received "${v}"`);
  return n;
};
/** The default of a flag whose value comes from the config layers (preset, file, defaults) when not given. */
const dflt = (text: string, value: unknown): string => `${text} (default: ${Array.isArray(value) ? value.join(',') : String(value)})`;
const fraction = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!(Number.isFinite(n) && n >= 0 && n < 1)) throw new InvalidArgumentError(`${name} expects a fraction in [0, 1), received "${v}"`);
  return n;
};
const bytes = (name: string) => (v: string): number => {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)b?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError(`${name} expects a byte count such as 10485760 or 10m, received "${v}"`);
  const n = Math.round(Number(m[1]) * 1024 ** ['', 'k', 'm', 'g'].indexOf(m[2].toLowerCase()));
  if (n < 1) throw new InvalidArgumentError(`${name} must be at least 1 byte, received "${v}"`);
  return n;
};
const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);
const parsedList = <T>(one: (v: string) => T) => (v: string): T[] => list(v).map(one);
const size = (v: string): [number, number] => {
  const m = /^(\d+)x(\d+)$/.exec(v);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new InvalidArgumentError(`--size expects HEIGHTxWIDTH such as 160x128, received "${v}"`);
  return [Number(m[1]), Number(m[2])];
};

/** The options every command shares, picked out of commander's option bag. */
function commonArgs(o: CommonOptions): CommonOptions {
  return { backend: o.backend, threads: o.threads, quiet: o.quiet, engine: o.engine };
}

/** TF.js backend and threads: for commands that compute with TF.js. */
function engineOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--backend <name>', 'TF.js backend: auto picks tfjs-node if installed, else wasm, else cpu (env BRANCHNET_BACKEND)').choices(['auto', 'node', 'wasm', 'cpu']))
    .option('--threads <n>', 'wasm threads (default: number of cores; env BRANCHNET_THREADS)', posInt('--threads'))
    .addOption(new Option('--engine <name>', 'where inference and frozen layers run: auto = onnxruntime-node when installed (faster), else tfjs').choices(['auto', 'tfjs', 'onnxruntime']));
}

/** Engine options plus -q, for commands that show progress bars. */
function common(cmd: Command): Command {
  return engineOptions(cmd).option('-q, --quiet', 'no progress bars');
}

function modelOptions(cmd: Command, opts: { arch?: boolean } = {}): Command {
  if (opts.arch !== false) cmd.addOption(new Option('--arch <name>', 'model family: split (the notebook), split-gray, multilabel (PyImageSearch), single-head-vgg').choices(ARCHS).default(undefined, 'split'));
  return cmd
    .addOption(new Option('--color-branch <kind>', 'what the cnn heads use: cnn (the notebook) or pixel (shape-blind: 1x1 convs + global pooling, see --pixel-pool)').choices(['cnn', 'pixel']))
    .addOption(new Option('--pixel-pool <kind>', 'how --color-branch pixel pools its per-pixel features').choices([...PIXEL_POOLS]).default(undefined, DEFAULTS.model.pixel.pool))
    .option('--heads <names>', dflt('head names, one per part of the folder name', DEFAULT_HEADS), list)
    .addOption(new Option('--backbone <name>', 'conv base of the backbone branches: vgg16 (the notebook), scratch, mobilenet (MobileNet v1 model.json, cut at conv_pw_13_relu, 224x224, [-1,1]), tfjs (any layers model.json, see --backbone-model), synthetic (the shape base shipped with branchnet, made by `branchnet pretrain`; 96x80, frozen)').choices(BACKBONES).default(undefined, DEFAULTS.model.backbone.backbone))
    .option('--weights <file>', 'backbone weights: Keras .h5 (vgg16) or TF.js layers model.json (default: the file `branchnet weights get` cached)')
    .option('--backbone-model <model.json>', 'use any TF.js layers model as the conv base (implies --backbone tfjs); its weights come with it')
    .option('--backbone-layer <name>', 'layer where the conv base is cut (default: mobilenet conv_pw_13_relu; tfjs the last layer)')
    .option('--size <HxW>', "input height x width (default: the backbone's, 160x128 for vgg16)", size)
    .option('--cnn-heads <names>', 'heads predicted by the small from-scratch CNN branch (default: color)', list);
}

interface ModelOpts {
  arch?: Arch; colorBranch?: 'cnn' | 'pixel'; pixelPool?: PixelPool; heads?: string[]; backbone?: BackboneName; weights?: string; backboneModel?: string; backboneLayer?: string;
  size?: [number, number]; cnnHeads?: string[];
}

function modelConfig(o: ModelOpts): PartialTrainConfig['model'] {
  const m: NonNullable<PartialTrainConfig['model']> = {};
  if (o.heads) m.heads = o.heads;
  if (o.size) [m.height, m.width] = o.size;
  if (o.backboneModel && o.backbone && o.backbone !== 'tfjs') {
    throw new InvalidArgumentError(`--backbone-model reads the conv base from a model.json, so it cannot be combined with --backbone ${o.backbone}; drop one of them`);
  }
  const backbone = o.backboneModel ? 'tfjs' : o.backbone;
  const weights = o.backboneModel ?? o.weights;
  if (backbone || weights || o.backboneLayer) {
    m.backbone = { ...(backbone ? { backbone } : {}), ...(weights ? { weights } : {}), ...(o.backboneLayer ? { layer: o.backboneLayer } : {}) };
  }
  if (o.arch) m.arch = o.arch;
  if (o.pixelPool) m.pixel = { pool: o.pixelPool };
  if (o.cnnHeads || o.colorBranch) {
    const heads = o.heads ?? DEFAULT_HEADS;
    const small: BranchKind = o.colorBranch ?? 'cnn';
    m.branches = Object.fromEntries(heads.map((h) => {
      const isSmall = o.cnnHeads ? o.cnnHeads.includes(h) : defaultBranchKind(h) === 'cnn';
      return [h, isSmall ? small : 'backbone'];
    }));
  }
  return m;
}

interface TrainOpts extends ModelOpts, CommonOptions {
  out?: string; config?: string; preset?: 'quick'; epochs?: number[]; steps?: number; valSteps?: number; lr?: number[];
  batchSize?: number; seed?: number; splitSeed?: number; valFraction?: number; augment: boolean;
  holdOut?: string[]; interpolation?: string; preprocess?: string; unfreeze?: string; unfreezeFrom?: string;
  cacheBackbone?: boolean; skipInvalidFolders?: boolean; untrainedBase?: boolean;
  resume?: string; overwrite?: boolean; keepCheckpoints?: boolean;
  keep?: 'best' | 'last'; monitor?: string; patience?: number;
}

function trainConfig(o: TrainOpts): PartialTrainConfig {
  const cfg: PartialTrainConfig = { model: modelConfig(o) };
  const data: NonNullable<PartialTrainConfig['data']> = {};
  if (o.batchSize !== undefined) data.batchSize = o.batchSize;
  if (o.splitSeed !== undefined) data.seed = o.splitSeed;
  if (o.valFraction !== undefined) data.valFraction = o.valFraction;
  if (!o.augment) data.augment = null;
  // Cached features are of un-augmented images, so --cache-backbone implies --no-augment.
  if (o.cacheBackbone) { data.cacheBackbone = true; data.augment = null; }
  if (o.holdOut) data.holdOut = o.holdOut;
  if (o.skipInvalidFolders) data.skipInvalidFolders = true;
  if (o.untrainedBase) cfg.model!.backbone = { ...cfg.model!.backbone, allowUntrained: true };
  if (o.interpolation) data.interpolation = o.interpolation as never;
  cfg.data = data;
  if (o.preprocess) cfg.model!.preprocess = o.preprocess as never;
  if (o.seed !== undefined) cfg.seed = o.seed;
  if (o.keep || o.monitor || o.patience !== undefined) {
    cfg.selection = { ...(o.keep ? { keep: o.keep } : {}), ...(o.monitor ? { monitor: o.monitor } : {}), ...(o.patience !== undefined ? { patience: o.patience } : {}) };
  }
  const unfreeze = unfreezeOf(o);
  if (o.epochs || o.steps !== undefined || o.valSteps !== undefined || o.lr || unfreeze !== undefined) {
    const n = Math.max(2, o.epochs?.length ?? 0, o.lr?.length ?? 0);
    const phases: Partial<PhaseConfig>[] = [];
    for (let i = 0; i < n; i++) {
      const p: Partial<PhaseConfig> = {};
      if (o.epochs) p.epochs = o.epochs[Math.min(i, o.epochs.length - 1)];
      if (o.steps !== undefined) p.stepsPerEpoch = o.steps;
      if (o.valSteps !== undefined) p.validationSteps = o.valSteps;
      if (o.lr) p.learningRate = o.lr[Math.min(i, o.lr.length - 1)];
      // Fine-tuning starts in the second phase, as in the notebook.
      if (unfreeze !== undefined && i >= 1) p.unfreeze = unfreeze;
      phases.push(p);
    }
    cfg.phases = phases;
  }
  return cfg;
}

function unfreezeOptions(cmd: Command): Command {
  return cmd
    .option('--unfreeze <prefix>', `backbone layers trained from phase 2 on: from the first layer whose name starts with it ('none' keeps it frozen) (default: ${BACKBONES.filter((b) => b !== 'scratch' && BACKBONE_PRESETS[b].unfreeze).map((b) => `${BACKBONE_PRESETS[b].unfreeze} for ${b}`).join(', ')})`)
    .option('--unfreeze-from <layer>', 'as --unfreeze, naming the exact layer fine-tuning starts from');
}

/** Phase 2 onwards unfreezes from the given layer (the notebook fine-tunes in its second phase). */
function unfreezeOf(o: { unfreeze?: string; unfreezeFrom?: string }): string | null | undefined {
  if (o.unfreeze && o.unfreezeFrom) throw new InvalidArgumentError('--unfreeze and --unfreeze-from both say where fine-tuning starts; give one');
  const v = o.unfreezeFrom ?? o.unfreeze;
  return v === undefined ? undefined : v === 'none' ? null : v;
}

function trainingOptions(cmd: Command, opts: { seed?: boolean } = {}): Command {
  const [p1, p2] = DEFAULTS.phases;
  unfreezeOptions(cmd)
    .addOption(new Option('--preset <name>', `start from a preset: quick = ${QUICK_PRESET.model?.height}x${QUICK_PRESET.model?.width}, scratch base, ${QUICK_PRESET.phases?.map((p) => p.epochs).join('+')} epochs of ${QUICK_PRESET.phases?.[0]?.stepsPerEpoch} steps (what npm start trains)`).choices(Object.keys(PRESETS)))
    .option('--config <file>', 'JSON config file (same shape as branchnet.json "config", or a branchnet.json itself); flags override it')
    .option('--epochs <n,n>', dflt('epochs per phase; 0 skips a phase', [p1.epochs, p2.epochs]), parsedList(int('--epochs')))
    .option('--steps <n>', dflt('steps per epoch', p1.stepsPerEpoch), posInt('--steps'))
    .option('--val-steps <n>', dflt('validation steps per epoch', p1.validationSteps), posInt('--val-steps'))
    .option('--lr <x,y>', dflt('learning rate per phase', [p1.learningRate, p2.learningRate]), parsedList(posNum('--lr')))
    .option('--batch-size <n>', dflt('batch size', DEFAULTS.data.batchSize), posInt('--batch-size'));
  if (opts.seed !== false) cmd.option('--seed <n>', dflt('seed for weight initialisation, dropout and augmentation', DEFAULTS.seed), int('--seed'));
  return cmd
    .option('--split-seed <n>', dflt('seed of the train/validation split', DEFAULTS.data.seed), int('--split-seed'))
    .option('--val-fraction <x>', dflt('validation fraction, in [0, 1)', DEFAULTS.data.valFraction), fraction('--val-fraction'))
    .option('--no-augment', "train without augmentation (default: the notebook's ImageDataGenerator settings)")
    .option('--hold-out <combos>', 'combinations kept out of training and validation, e.g. black_dress,red_jeans', list)
    .addOption(new Option('--interpolation <kind>', 'resize filter, as Keras load_img').choices(INTERPOLATIONS).default(undefined, DEFAULTS.data.interpolation))
    .addOption(new Option('--preprocess <mode>', "pixel scaling: rescale = x/255 (the notebook's), caffe = Keras's VGG16 preprocess_input (BGR, mean subtracted), tf = [-1, 1] (MobileNet)").choices(PREPROCESS_MODES).default(undefined, "the backbone's"))
    .option('--cache-backbone', "compute each image's frozen-backbone features once and reuse them (implies --no-augment)")
    .option('--skip-invalid-folders', 'leave out data subfolders whose names do not parse into the heads (e.g. a stray misc/) instead of refusing')
    .option('--untrained-base', 'train even though the backbone has no weights file (a random frozen base: its heads learn next to nothing)')
    .addOption(new Option('--keep <which>', `weights each phase ends with: last (Keras's model.fit) or best (the epoch with the best validation score; validation holds seen combinations only)`).choices(['best', 'last']).default(undefined, DEFAULTS.selection.keep))
    .option('--monitor <key>', 'history key --keep best and --patience judge by, e.g. val_type_acc or val_loss (default: the mean validation accuracy over heads; ties go to the lower val_loss)')
    .option('--patience <n>', 'end a phase after n epochs without a better validation score (default: never)', int('--patience'));
}

/** The package's version, read from its package.json (the CLI may touch the file system; the library does not need it). */
export const VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

type Output = { writeOut: (s: string) => void; writeErr: (s: string) => void };

/** `output` is set before any subcommand exists: commander copies it into each at creation. */
function build(onParsed: (a: ParsedArgs) => void, output: Output): Command {
  const program = new Command('branchnet')
    .description('Train, evaluate and serve multi-output image classifiers with one branch per head')
    .version(VERSION, '-V, --version', 'print the version, the TF.js backend and whether onnxruntime-node loads')
    .exitOverride()
    .configureOutput(output)
    .showHelpAfterError()
    .addHelpText('after', `\n${exitCodesHelp()}\n`);

  trainingOptions(common(modelOptions(program.command('train')
    .description('train a model on a folder of <attr1>_<attr2>/ subfolders or a CSV of path,<head1>,<head2>')
    .argument('[data]', 'data folder or CSV file (not with --resume)')
    .option('-o, --out <dir>', 'model directory to write (default runs/<time>); an existing model there is replaced only with --overwrite')
    .option('--overwrite', 'replace the branchnet model (and any interrupted run\'s checkpoints) at -o')
    .option('--resume <dir>', 'continue the interrupted run whose -o folder this is, from its newest checkpoint (<dir>.checkpoint/); data, config and flags come from it')
    .option('--keep-checkpoints', 'keep <out>.checkpoint/ (one checkpoint per epoch, the newest kept) after the model is saved'))))
    .action((data: string | undefined, o: TrainOpts) => {
      if (o.resume !== undefined) {
        const given = [data !== undefined && '<data>', o.out !== undefined && '-o', o.overwrite && '--overwrite', o.config !== undefined && '--config', o.preset && '--preset',
          JSON.stringify(trainConfig(o)) !== JSON.stringify(trainConfig({ augment: true })) && 'training options'].filter(Boolean);
        if (given.length) fail('E_ARGS', `--resume ${o.resume}: continues the run as it was started, so ${given.join(', ')} cannot be given with it; run \`branchnet train --resume ${o.resume}\` alone`);
      } else if (data === undefined) {
        fail('E_ARGS', "train: missing the data folder or CSV (branchnet train <data>), or --resume <dir> to continue an interrupted run; run branchnet train --help");
      }
      onParsed({
        command: 'train', data, out: o.out, configFile: o.config, preset: o.preset, config: trainConfig(o),
        resume: o.resume, overwrite: o.overwrite ?? false, keepCheckpoints: o.keepCheckpoints ?? false,
        ...commonArgs(o),
      });
    });

  program.command('check')
    .description('check a data folder or CSV before training: images per combination and label, formats and sizes, duplicates, unusable files and why (exit 1 when training would refuse it)')
    .argument('<data>', 'data folder or CSV file')
    .option('--heads <names>', 'head names, one per part of the folder name (default color,type)', list)
    .option('--json', 'print the report as JSON', false)
    .option('--skip-invalid-folders', 'count folders whose names do not parse as warnings (left out), as train --skip-invalid-folders does', false)
    .action((data: string, o: { heads?: string[]; json: boolean; skipInvalidFolders: boolean }) => onParsed({
      command: 'check', data, heads: o.heads, json: o.json, skipInvalidFolders: o.skipInvalidFolders,
    }));

  unfreezeOptions(modelOptions(program.command('summary')
    .description("print the model's per-branch table and parameter counts (of a saved model, or of a config)")
    .argument('[model]', 'model directory; without it, the model the options describe')
    .option('--classes <n,n>', 'classes per head when no model is given (default: 3 per head)', parsedList(posInt('--classes')))))
    .action((model: string | undefined, o: ModelOpts & { classes?: number[]; unfreeze?: string; unfreezeFrom?: string }) => onParsed({
      command: 'summary', model, classes: o.classes ?? [],
      config: { model: modelConfig(o), ...(unfreezeOf(o) !== undefined ? { phases: [{}, { unfreeze: unfreezeOf(o) }] } : {}) },
    }));

  common(program.command('predict')
    .description('predict every head for images or folders of images')
    .argument('<model>', 'model directory')
    .argument('<inputs...>', 'image files or folders')
    .option('--json', 'print JSON instead of a table', false)
    .option('--jsonl', 'stream one JSON object per image to stdout as each batch finishes (JSON Lines, input order; failures as {"path","error"}); a progress bar goes to stderr')
    .option('--skip-done <jsonl>', 'skip images that already have a prediction line in this JSON Lines file (resume an interrupted --jsonl run: add >> to the same file)')
    .option('--allow-failures', 'exit 0 even when some inputs could not be read or decoded (without it: exit 1)')
    .option('--grid <png>', `also write a captioned grid image (${GRID_DEFAULTS.columns} per row)`)
    .option('--batch-size <n>', 'images per forward pass', posInt('--batch-size'), PREDICT_DEFAULTS.batchSize))
    .action((model: string, inputs: string[], o: { json: boolean; jsonl?: boolean; skipDone?: string; allowFailures?: boolean; grid?: string; batchSize: number } & CommonOptions) => {
      if (o.json && o.jsonl) throw new InvalidArgumentError('--json and --jsonl both choose the output format; give one');
      if (o.skipDone && !o.jsonl) throw new InvalidArgumentError('--skip-done resumes a --jsonl run; add --jsonl');
      onParsed({
        command: 'predict', model, inputs, json: o.json, jsonl: o.jsonl ?? false, skipDone: o.skipDone, allowFailures: o.allowFailures ?? false,
        grid: o.grid, batchSize: o.batchSize, ...commonArgs(o),
      });
    });

  program.command('synth')
    .description('generate the synthetic clothing data set: <out>/train/<color>_<type>/*.png, <out>/test/…, manifest.json')
    .argument('<out>', 'output folder')
    .option('--seed <n>', dflt('generator seed', SYNTH_DEFAULTS.seed), int('--seed'))
    .option('--colors <list>', dflt(`colors from ${ALL_COLORS.join(',')}`, SYNTH_DEFAULTS.colors), list)
    .option('--types <list>', dflt(`types from ${ALL_TYPES.join(',')}`, SYNTH_DEFAULTS.types), list)
    .option('--train-combos <list>', dflt("combinations in train/: 'notebook', 'all' or e.g. black_jeans,blue_dress", SYNTH_DEFAULTS.trainCombos), list)
    .option('--test-combos <list>', dflt("combinations in test/: 'all' or a list", SYNTH_DEFAULTS.testCombos), list)
    .option('--train-per-combo <n>', dflt('training images per combination', SYNTH_DEFAULTS.trainPerCombo), posInt('--train-per-combo'))
    .option('--test-per-combo <n>', dflt('test images per combination', SYNTH_DEFAULTS.testPerCombo), int('--test-per-combo'))
    .option('--width <n>', dflt('image width', SYNTH_DEFAULTS.width), posInt('--width'))
    .option('--height <n>', dflt('image height', SYNTH_DEFAULTS.height), posInt('--height'))
    .option('--workers <n>', 'worker threads (default: automatic, up to 2)', int('--workers'))
    .addOption(new Option('--sheet [png]', 'also write a labelled contact sheet (to <png>, or <out>/sheet.png)').default(false, 'none'))
    .option('--force', 'regenerate even when the cached set matches', false)
    .option('-q, --quiet', 'no progress output')
    .action((out: string, o: Omit<SynthArgs, 'command' | 'out'>) => onParsed({ command: 'synth', out, ...o }));

  engineOptions(program.command('evaluate')
    .description('accuracy per head on seen and unseen combinations, exact match, shortcut rate, confusion matrices (Wilson 95% intervals)')
    .argument('<model>', 'model directory')
    .argument('<data>', 'labelled folder of <attr1>_<attr2>/ subfolders or CSV')
    .option('--json', 'print the metrics as JSON', false)
    .option('--report <html>', 'also write a self-contained HTML report')
    .option('--train-combos <list>', 'combinations seen in training (default: from the model)', list))
    .action((model: string, data: string, o: { json: boolean; report?: string; trainCombos?: string[] } & CommonOptions) => onParsed({
      command: 'evaluate', model, data, json: o.json, report: o.report, trainCombos: o.trainCombos, ...commonArgs(o),
    }));

  trainingOptions(common(modelOptions(program.command('compare')
    .description('train several architectures under the same split, seeds and hold-outs; table of mean ± std per metric')
    .argument('<data>', 'training folder (a sibling test/ folder is used for evaluation when present)')
    .addOption(new Option('--archs <list>', `architectures to compare, from ${ARCHS.join(',')}`).argParser(list).default(COMPARE_DEFAULTS.archs, COMPARE_DEFAULTS.archs.join(',')))
    .addOption(new Option('--seeds <n|list>', 'number of seeds (1..n) or a list of seeds; each run sets --seed to its seed').argParser((v: string) => (/^\d+$/.test(v) ? Array.from({ length: posInt('--seeds')(v) }, (_, i) => i + 1) : parsedList(int('--seeds'))(v))).default([1], '1'))
    .option('--rotate', 'also hold out each seen combination in turn', false)
    .option('--test <folder>', 'labelled test folder (default: sibling test/ of a train/ folder)')
    .option('-o, --out <dir>', 'output folder', COMPARE_DEFAULTS.out), { arch: false })), { seed: false })
    .action((data: string, o: Omit<TrainOpts, 'out'> & { archs: string[]; seeds: number[]; rotate: boolean; test?: string; out: string }) => {
      for (const a of o.archs) if (!ARCHS.includes(a as Arch)) throw new InvalidArgumentError(`--archs: "${a}" is not one of ${ARCHS.join(', ')}`);
      onParsed({
        command: 'compare', data, test: o.test, archs: o.archs as Arch[], seeds: o.seeds, rotate: o.rotate, out: o.out,
        configFile: o.config, preset: o.preset, config: trainConfig({ ...o, out: undefined }), ...commonArgs(o),
      });
    });

  program.command('plot')
    .description("render a model's training history as a PNG (accuracy and loss per head)")
    .argument('<model>', 'model directory')
    .option('-o, --out <png>', 'output file (default: <model>/history.png)')
    .action((model: string, o: { out?: string }) => onParsed({ command: 'plot', model, out: o.out }));

  common(program.command('demo')
    .description('the whole product on the embedded synthetic data: generate, train, predict, plot')
    .option('-o, --out <dir>', 'where to write data and models', DEMO_DEFAULTS.out)
    .option('--full', 'the notebook schedule (10+5 epochs of 100 steps) instead of the quick preset', false))
    .option('--untrained-base', 'with --full and no cached VGG16 file: train on a random frozen base anyway')
    .action((o: { out: string; full: boolean; untrainedBase?: boolean } & CommonOptions) => onParsed({
      command: 'demo', out: o.out, quick: !o.full, ...(o.untrainedBase ? { untrainedBase: true } : {}), ...commonArgs(o),
    }));

  engineOptions(program.command('export')
    .description('write a model as one ONNX file (metadata: vocabularies, preprocessing; --triton: a Triton model folder) or as the static web page that classifies in the browser')
    .argument('<model>', 'model directory')
    .addOption(new Option('--format <format>', 'onnx: one .onnx file, verified against TF.js with onnxruntime; web: index.html, app.js, style.css and model/ for any static host').choices(EXPORT_FORMATS).makeOptionMandatory())
    .option('-o, --out <path>', 'output file (onnx) or folder (web, --triton) (default: beside the model: <model>.onnx, <model>-web, triton/<model>)')
    .option('--triton', 'with --format onnx: a Triton Inference Server model folder (config.pbtxt with dynamic batching, 1/model.onnx, <head>_labels.txt)', false)
    .option('--overwrite', 'replace an existing output that branchnet did not write', false)
    .option('--no-verify', 'skip running the ONNX file in onnxruntime against TF.js'))
    .action((model: string, o: { format: 'onnx' | 'web'; out?: string; triton: boolean; overwrite: boolean; verify: boolean } & CommonOptions) => onParsed({
      command: 'export', model, format: o.format, out: o.out, triton: o.triton, overwrite: o.overwrite, verify: o.verify, ...commonArgs(o),
    }));

  const D = SERVE_DEFAULTS;
  common(program.command('serve')
    .description('an HTTP prediction service: POST /v1/predict, GET /v1/model, /healthz, /readyz, the browser page at /')
    .argument('<model>', 'model directory')
    .option('--host <host>', 'interface to listen on; --host 0.0.0.0 listens on every interface', D.host)
    .option('--port <n>', 'port; 0 picks a free one', int('--port'), D.port)
    .option('--max-files <n>', 'images in one multipart request', int('--max-files'), D.maxFiles)
    .option('--max-body <bytes>', 'bytes in one request body (raw image or whole form); k/m suffixes: 10m', bytes('--max-body'), D.maxBodyBytes)
    .option('--max-pixels <n>', 'pixels (width x height) an image may declare, checked from its header before decoding', int('--max-pixels'), D.maxPixels)
    .option('--batch-window <ms>', 'milliseconds a forward pass waits to gather concurrent requests', num('--batch-window'), D.batchWindowMs)
    .option('--max-batch <n>', 'images in one forward pass', int('--max-batch'), D.maxBatch)
    .option('--max-queue <n>', 'images queued or running at once; beyond it, requests get 503 + Retry-After', int('--max-queue'), D.maxQueue)
    .option('--request-timeout <ms>', 'milliseconds a request has to arrive in full (slower clients get 408)', int('--request-timeout'), D.requestTimeoutMs)
    .option('--api-key-file <file>', 'require Authorization: Bearer <key> on every route but /healthz and /readyz; one key a line')
    .option('--cors <origin>', 'allow this origin (or *) to call the API from a browser; CORS is off without it'))
    .action((model: string, o: { host: string; port: number; maxFiles: number; maxBody: number; maxPixels: number; batchWindow: number; maxBatch: number; maxQueue: number; requestTimeout: number; apiKeyFile?: string; cors?: string } & CommonOptions) => {
      if (o.maxBatch < 1) throw new InvalidArgumentError('--max-batch must be at least 1');
      if (o.maxFiles < 1) throw new InvalidArgumentError('--max-files must be at least 1');
      if (o.maxQueue < o.maxFiles) throw new InvalidArgumentError(`--max-queue (${o.maxQueue}) must be at least --max-files (${o.maxFiles}), or a full request could never be admitted`);
      if (o.batchWindow < 0) throw new InvalidArgumentError('--batch-window must be 0 or more milliseconds');
      if (o.port > 65535) throw new InvalidArgumentError(`--port ${o.port} is not a port; use 0 to 65535`);
      onParsed({
        command: 'serve', model, host: o.host, port: o.port, maxFiles: o.maxFiles, maxBodyBytes: o.maxBody, maxPixels: o.maxPixels,
        batchWindowMs: o.batchWindow, maxBatch: o.maxBatch, maxQueue: o.maxQueue, requestTimeoutMs: o.requestTimeout,
        apiKeyFile: o.apiKeyFile, cors: o.cors, ...commonArgs(o),
      });
    });

  common(program.command('pretrain')
    .description('make a shape base: generate a catalog of every garment type in colors other than black, blue and red, train a conv base to tell the types apart, write it as a TF.js layers model (use it with --backbone-model <out>/model.json --backbone-layer block4_pool)')
    .requiredOption('-o, --out <dir>', 'folder for the base: model.json, weights.bin, base.json')
    .option('--work <dir>', `folder for the catalog and the full classifier run (default ${PRETRAIN_DEFAULTS.work})`)
    .option('--seed <n>', `training seed (default ${PRETRAIN_DEFAULTS.seed})`, int('--seed'))
    .option('--catalog-seed <n>', `seed of the catalog images (default ${PRETRAIN_DEFAULTS.catalogSeed})`, int('--catalog-seed'))
    .option('--per-type <n>', `catalog images per garment type (default ${PRETRAIN_DEFAULTS.perType})`, int('--per-type'))
    .option('--size <HxW>', `input height x width (default ${PRETRAIN_DEFAULTS.height}x${PRETRAIN_DEFAULTS.width})`, size)
    .option('--epochs <n>', `epochs (default ${PRETRAIN_DEFAULTS.epochs})`, int('--epochs'))
    .option('--steps <n>', `steps per epoch (default ${PRETRAIN_DEFAULTS.stepsPerEpoch})`, int('--steps'))
    .option('--val-steps <n>', `validation steps per epoch (default ${PRETRAIN_DEFAULTS.validationSteps})`, int('--val-steps'))
    .option('--lr <x>', `Adam learning rate (default ${PRETRAIN_DEFAULTS.learningRate})`, num('--lr'))
    .option('--batch-size <n>', `batch size (default ${PRETRAIN_DEFAULTS.batchSize})`, int('--batch-size')))
    .action((o: Omit<PretrainArgs, 'command'> & CommonOptions) => onParsed({
      command: 'pretrain', out: o.out, work: o.work, seed: o.seed, catalogSeed: o.catalogSeed, perType: o.perType, size: o.size,
      epochs: o.epochs, steps: o.steps, valSteps: o.valSteps, lr: o.lr, batchSize: o.batchSize, ...commonArgs(o),
    }));

  const weights = program.command('weights')
    .description('pretrained backbone weights in the local cache (~/.cache/branchnet, $XDG_CACHE_HOME/branchnet or $BRANCHNET_CACHE)');
  weights.command('list')
    .description('known weights: format, size, backbone, and the cached file when downloaded and verified')
    .option('--cache-dir <dir>', 'cache folder (default $BRANCHNET_CACHE, else $XDG_CACHE_HOME/branchnet, else ~/.cache/branchnet)')
    .option('--json', 'print JSON instead of a table', false)
    .action((o: { cacheDir?: string; json: boolean }) => onParsed({ command: 'weights', action: 'list', cacheDir: o.cacheDir, json: o.json }));
  weights.command('get')
    .description('download weights into the cache, verify their checksum, and print the path to train with')
    .argument('<name>', 'a name from branchnet weights list, e.g. vgg16')
    .option('--cache-dir <dir>', 'cache folder (default $BRANCHNET_CACHE, else $XDG_CACHE_HOME/branchnet, else ~/.cache/branchnet)')
    .option('--force', 'download again even when a verified copy is cached', false)
    .option('--retries <n>', 'retries after a dropped connection (default 3)', int('--retries'))
    .option('-q, --quiet', 'no progress output')
    .action((name: string, o: { cacheDir?: string; force: boolean; retries?: number; quiet?: boolean }) => onParsed({
      command: 'weights', action: 'get', name, cacheDir: o.cacheDir, force: o.force, retries: o.retries, quiet: o.quiet,
    }));

  return program;
}

/**
 * Parse command-line words (without `node` and the script) into a command.
 * @example parseArgs(['train', 'data/', '--epochs', '2,1']).command // 'train'
 * Throws BranchnetError E_ARGS for bad input; returns null for --help / --version.
 */
export function parseArgs(argv: string[]): ParsedArgs | null {
  let result: ParsedArgs | null = null;
  const program = build((a) => { result = a; }, { writeOut: () => {}, writeErr: () => {} });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return null;
      // One line: commander puts its "(Did you mean --epochs?)" hint on a line of its own.
      const message = e.message.replace(/^error: /, '').split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
      fail('E_ARGS', `${message}; run branchnet ${argv.find((a) => !a.startsWith('-')) ?? ''} --help`.replace(/ {2}/g, ' '));
    }
    throw e;
  }
  return result;
}

/** The commander program itself, for help output in main.ts. */
export function helpText(argv: string[]): string {
  let out = '';
  const program = build(() => {}, { writeOut: (s) => { out += s; }, writeErr: (s) => { out += s; } });
  try { program.parse(argv, { from: 'user' }); } catch { /* help exits */ }
  return out;
}
