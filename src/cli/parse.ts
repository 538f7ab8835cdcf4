/**
 * The argument parser, as a pure function: argv in, a typed command out, no process touched.
 * Commands run elsewhere (./commands/*); `main.ts` glues the two. Tests call `parseArgs`
 * directly (the commander habit of STYLE.md: the parser is testable without a process).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { fail } from '../core/errors.js';
import { ARCHS, DEFAULTS, PIXEL_POOLS, PRETRAIN_DEFAULTS, type PixelPool, defaultBranchKind, type Arch, type BackboneName, type BranchKind, type PartialTrainConfig, type PhaseConfig } from '../core/defaults.js';

export interface CommonOptions {
  backend?: 'auto' | 'node' | 'wasm' | 'cpu';
  /** Where inference and frozen layers run: auto = onnxruntime when installed. */
  engine?: 'auto' | 'tfjs' | 'onnxruntime';
  threads?: number;
  quiet?: boolean;
}

export interface TrainArgs extends CommonOptions {
  command: 'train';
  data: string;
  out?: string;
  config: PartialTrainConfig;
  configFile?: string;
  preset?: 'quick';
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

export type ParsedArgs = TrainArgs | SummaryArgs | PredictArgs | SynthArgs | PlotArgs | DemoArgs | EvaluateArgs | CompareArgs | WeightsArgs | PretrainArgs;

const int = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} expects a whole number, received "${v}"`);
  return n;
};
const num = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} expects a number, received "${v}"`);
  return n;
};
const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);
const numList = (name: string) => (v: string): number[] => list(v).map(num(name));
const size = (v: string): [number, number] => {
  const m = /^(\d+)x(\d+)$/.exec(v);
  if (!m) throw new InvalidArgumentError(`--size expects HEIGHTxWIDTH such as 160x128, received "${v}"`);
  return [Number(m[1]), Number(m[2])];
};

/** The options every command shares, picked out of commander's option bag. */
function commonArgs(o: CommonOptions): CommonOptions {
  return { backend: o.backend, threads: o.threads, quiet: o.quiet, engine: o.engine };
}

function common(cmd: Command): Command {
  return cmd
    .addOption(new Option('--backend <name>', 'engine: auto picks tfjs-node if installed, else wasm, else cpu').choices(['auto', 'node', 'wasm', 'cpu']))
    .option('--threads <n>', 'wasm threads (default: number of cores)', int('--threads'))
    .addOption(new Option('--engine <name>', 'where inference and frozen layers run: auto = onnxruntime-node when installed (faster), else tfjs').choices(['auto', 'tfjs', 'onnxruntime']))
    .option('-q, --quiet', 'no progress bars');
}

function modelOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--arch <name>', 'model family: split (the notebook), split-gray, multilabel (PyImageSearch), single-head-vgg').choices(['split', 'split-gray', 'multilabel', 'single-head-vgg']))
    .addOption(new Option('--color-branch <kind>', 'what the cnn heads use: cnn (the notebook) or pixel (shape-blind: 1x1 convs + global pooling, see --pixel-pool)').choices(['cnn', 'pixel']))
    .addOption(new Option('--pixel-pool <kind>', `how --color-branch pixel pools its per-pixel features: max, avg, avgmax, attention (default ${DEFAULTS.model.pixel.pool})`).choices([...PIXEL_POOLS]))
    .option('--heads <names>', 'head names, one per part of the folder name (default color,type)', list)
    .addOption(new Option('--backbone <name>', 'conv base of the backbone branches: vgg16 (the notebook), scratch, mobilenet (MobileNet v1 model.json, cut at conv_pw_13_relu, 224x224, [-1,1]), tfjs (any layers model.json, see --backbone-model), synthetic (the shape base shipped with branchnet, made by `branchnet pretrain`; 96x80, frozen)').choices(['vgg16', 'scratch', 'mobilenet', 'tfjs', 'synthetic']))
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
    const heads = o.heads ?? ['color', 'type'];
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
  cacheBackbone?: boolean;
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
    .option('--unfreeze <prefix>', "backbone layers trained from phase 2 on: from the first layer whose name starts with it (default: block5 for vgg16, conv_dw_13 for mobilenet; 'none' keeps it frozen)")
    .option('--unfreeze-from <layer>', 'as --unfreeze, naming the exact layer fine-tuning starts from');
}

/** Phase 2 onwards unfreezes from the given layer (the notebook fine-tunes in its second phase). */
function unfreezeOf(o: { unfreeze?: string; unfreezeFrom?: string }): string | null | undefined {
  if (o.unfreeze && o.unfreezeFrom) throw new InvalidArgumentError('--unfreeze and --unfreeze-from both say where fine-tuning starts; give one');
  const v = o.unfreezeFrom ?? o.unfreeze;
  return v === undefined ? undefined : v === 'none' ? null : v;
}

function trainingOptions(cmd: Command): Command {
  return unfreezeOptions(cmd)
    .addOption(new Option('--preset <name>', 'start from a preset: quick = 96x80, scratch base, 3+1 epochs of 40 steps (what npm start trains)').choices(['quick']))
    .option('--config <file>', 'JSON config file (same shape as branchnet.json "config"); flags override it')
    .option('--epochs <n,n>', 'epochs per phase (default 10,5; 0 skips a phase)', numList('--epochs'))
    .option('--steps <n>', 'steps per epoch (default 100)', int('--steps'))
    .option('--val-steps <n>', 'validation steps per epoch (default 20)', int('--val-steps'))
    .option('--lr <x,y>', 'learning rate per phase (default 1e-4,1e-5)', numList('--lr'))
    .option('--batch-size <n>', 'batch size (default 20)', int('--batch-size'))
    .option('--seed <n>', 'seed for weights and augmentation', int('--seed'))
    .option('--split-seed <n>', 'seed of the train/validation split (default 100)', int('--split-seed'))
    .option('--val-fraction <x>', 'validation fraction (default 0.2)', num('--val-fraction'))
    .option('--no-augment', 'train without augmentation')
    .option('--hold-out <combos>', 'combinations kept out of training and validation, e.g. black_dress,red_jeans', list)
    .addOption(new Option('--interpolation <kind>', 'resize filter (default nearest, as Keras load_img)').choices(['nearest', 'bilinear', 'bicubic', 'lanczos', 'area']))
    .addOption(new Option('--preprocess <mode>', "pixel scaling: rescale = x/255 (the notebook's, default for vgg16), caffe = Keras's VGG16 preprocess_input (BGR, mean subtracted), tf = [-1, 1] (MobileNet)").choices(['rescale', 'caffe', 'tf']))
    .option('--cache-backbone', "compute each image's frozen-backbone features once and reuse them (implies --no-augment)")
    .addOption(new Option('--keep <which>', `weights each phase ends with: last (Keras's model.fit) or best (the epoch with the best validation score; validation holds seen combinations only) (default ${DEFAULTS.selection.keep})`).choices(['best', 'last']))
    .option('--monitor <key>', 'history key --keep best and --patience judge by, e.g. val_type_acc or val_loss (default: the mean validation accuracy over heads; ties go to the lower val_loss)')
    .option('--patience <n>', 'end a phase after n epochs without a better validation score (default: never)', int('--patience'));
}

type Output = { writeOut: (s: string) => void; writeErr: (s: string) => void };

/** `output` is set before any subcommand exists: commander copies it into each at creation. */
function build(onParsed: (a: ParsedArgs) => void, output: Output): Command {
  const program = new Command('branchnet')
    .description('Train, evaluate and serve multi-output image classifiers with one branch per head')
    .exitOverride()
    .configureOutput(output)
    .showHelpAfterError();

  trainingOptions(common(modelOptions(program.command('train')
    .description('train a model on a folder of <attr1>_<attr2>/ subfolders or a CSV of path,<head1>,<head2>')
    .argument('<data>', 'data folder or CSV file')
    .option('-o, --out <dir>', 'model directory to write (default runs/<time>)'))))
    .action((data: string, o: TrainOpts) => onParsed({
      command: 'train', data, out: o.out, configFile: o.config, preset: o.preset, config: trainConfig(o),
      ...commonArgs(o),
    }));

  unfreezeOptions(common(modelOptions(program.command('summary')
    .description("print the model's per-branch table and parameter counts (of a saved model, or of a config)")
    .argument('[model]', 'model directory; without it, the model the options describe')
    .option('--classes <n,n>', 'classes per head when no model is given (default 3 per head)', numList('--classes')))))
    .action((model: string | undefined, o: ModelOpts & CommonOptions & { classes?: number[]; unfreeze?: string; unfreezeFrom?: string }) => onParsed({
      command: 'summary', model, classes: o.classes ?? [],
      config: { model: modelConfig(o), ...(unfreezeOf(o) !== undefined ? { phases: [{}, { unfreeze: unfreezeOf(o) }] } : {}) },
      ...commonArgs(o),
    }));

  common(program.command('predict')
    .description('predict every head for images or folders of images')
    .argument('<model>', 'model directory')
    .argument('<inputs...>', 'image files or folders')
    .option('--json', 'print JSON instead of a table', false)
    .option('--grid <png>', 'also write a captioned grid image (4 per row)')
    .option('--batch-size <n>', 'images per forward pass', int('--batch-size'), 20))
    .action((model: string, inputs: string[], o: { json: boolean; grid?: string; batchSize: number } & CommonOptions) => onParsed({
      command: 'predict', model, inputs, json: o.json, grid: o.grid, batchSize: o.batchSize,
      ...commonArgs(o),
    }));

  common(program.command('synth')
    .description('generate the synthetic clothing data set: <out>/train/<color>_<type>/*.png, <out>/test/…, manifest.json')
    .argument('<out>', 'output folder')
    .option('--seed <n>', 'generator seed (default 1)', int('--seed'))
    .option('--colors <list>', 'colors from black,blue,red,white,green (default black,blue,red)', list)
    .option('--types <list>', 'types from jeans,dress,shirt,shoes,skirt (default jeans,dress,shirt)', list)
    .option('--train-combos <list>', "combinations in train/: 'notebook', 'all' or e.g. black_jeans,blue_dress (default notebook)", list)
    .option('--test-combos <list>', "combinations in test/: 'all' or a list (default all)", list)
    .option('--train-per-combo <n>', 'training images per combination (default 300)', int('--train-per-combo'))
    .option('--test-per-combo <n>', 'test images per combination (default 30)', int('--test-per-combo'))
    .option('--width <n>', 'image width (default 128)', int('--width'))
    .option('--height <n>', 'image height (default 160)', int('--height'))
    .option('--workers <n>', 'worker threads (default: automatic)', int('--workers'))
    .option('--sheet [png]', 'also write a labelled contact sheet (default <out>/sheet.png)', false)
    .option('--force', 'regenerate even when the cached set matches', false))
    .action((out: string, o: Omit<SynthArgs, 'command' | 'out'>) => onParsed({ command: 'synth', out, ...o }));

  common(program.command('evaluate')
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
    .option('--archs <list>', 'architectures to compare', list, ['split', 'split-gray', 'multilabel'])
    .option('--seeds <n|list>', 'number of seeds (1..n) or a list of seeds', (v: string) => (/^\d+$/.test(v) ? Array.from({ length: Number(v) }, (_, i) => i + 1) : numList('--seeds')(v)), [1])
    .option('--rotate', 'also hold out each seen combination in turn', false)
    .option('--test <folder>', 'labelled test folder (default: sibling test/ of a train/ folder)')
    .option('-o, --out <dir>', 'output folder', 'runs/compare'))))
    .action((data: string, o: Omit<TrainOpts, 'out'> & { archs: string[]; seeds: number[]; rotate: boolean; test?: string; out: string }) => {
      for (const a of o.archs) if (!ARCHS.includes(a as Arch)) throw new InvalidArgumentError(`--archs: "${a}" is not one of ${ARCHS.join(', ')}`);
      onParsed({
        command: 'compare', data, test: o.test, archs: o.archs as Arch[], seeds: o.seeds, rotate: o.rotate, out: o.out,
        configFile: o.config, preset: o.preset, config: trainConfig({ ...o, out: undefined }), ...commonArgs(o),
      });
    });

  common(program.command('plot')
    .description("render a model's training history as a PNG (accuracy and loss per head)")
    .argument('<model>', 'model directory')
    .option('-o, --out <png>', 'output file (default <model>/history.png)'))
    .action((model: string, o: { out?: string } & CommonOptions) => onParsed({ command: 'plot', model, out: o.out, ...commonArgs(o) }));

  common(program.command('demo')
    .description('the whole product on the embedded synthetic data: generate, train, predict, plot')
    .option('-o, --out <dir>', 'where to write data and models', 'runs/demo')
    .option('--full', 'the notebook schedule (10+5 epochs of 100 steps) instead of the quick preset', false))
    .action((o: { out: string; full: boolean } & CommonOptions) => onParsed({ command: 'demo', out: o.out, quick: !o.full, ...commonArgs(o) }));

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
      fail('E_ARGS', `${e.message.replace(/^error: /, '')}; run branchnet --help`);
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
