// Precompiled Handlebars templates, filled in by the build (scripts/build.mjs replaces this
// module with the output of precompileTemplates() in ./precompile.ts). From source (tests,
// `tsx`) there are none, and src/scaffold/render.ts compiles each template file on first use.
// (`TemplateSpecification` is a global type of the handlebars package.)

/**
 * Template key (see `templateKey` in ./render.ts) → Handlebars template specification, as
 * `Handlebars.precompile` produces it; null when running from source.
 */
export const PRECOMPILED: Record<string, TemplateSpecification> | null = null;
