/**
 * Import names → PyPI distributions, for rule `undeclared-dependency`.
 *
 * Most distributions install a module with their own (normalised) name; these are the common
 * exceptions. Where several distributions provide one module, any of them satisfies the import.
 * Names are PEP 503-normalised (lower case, runs of `-_.` → `-`).
 */
export const IMPORT_TO_DISTRIBUTIONS: Record<string, string[]> = {
  dotenv: ["python-dotenv"],
  yaml: ["pyyaml"],
  PIL: ["pillow"],
  bs4: ["beautifulsoup4"],
  sklearn: ["scikit-learn"],
  skimage: ["scikit-image"],
  cv2: ["opencv-python", "opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless"],
  dateutil: ["python-dateutil"],
  jwt: ["pyjwt"],
  jose: ["python-jose"],
  attr: ["attrs"],
  magic: ["python-magic"],
  docx: ["python-docx"],
  pptx: ["python-pptx"],
  Crypto: ["pycryptodome"],
  Cryptodome: ["pycryptodomex"],
  OpenSSL: ["pyopenssl"],
  serial: ["pyserial"],
  usb: ["pyusb"],
  zmq: ["pyzmq"],
  git: ["gitpython"],
  github: ["pygithub"],
  gitlab: ["python-gitlab"],
  psycopg2: ["psycopg2", "psycopg2-binary"],
  psycopg: ["psycopg", "psycopg-binary"],
  MySQLdb: ["mysqlclient"],
  pymysql: ["pymysql"],
  multipart: ["python-multipart"],
  slugify: ["python-slugify"],
  dns: ["dnspython"],
  ldap: ["python-ldap"],
  markdown: ["markdown"],
  fitz: ["pymupdf"],
  pydantic_settings: ["pydantic-settings"],
  pydantic_ai: ["pydantic-ai", "pydantic-ai-slim"],
  frontmatter: ["python-frontmatter"],
  jmespath: ["jmespath"],
  s3transfer: ["s3transfer"],
  mcp_types: ["mcp-types"],
  sentry_sdk: ["sentry-sdk"],
  telegram: ["python-telegram-bot"],
  discord: ["discord-py"],
  websocket: ["websocket-client"],
  socks: ["pysocks"],
  Levenshtein: ["python-levenshtein", "levenshtein"],
  win32api: ["pywin32"],
  win32con: ["pywin32"],
  googleapiclient: ["google-api-python-client"],
  google_auth_oauthlib: ["google-auth-oauthlib"],
  pkg_resources: ["setuptools"],
  mpl_toolkits: ["matplotlib"],
  lxml: ["lxml"],
  snowflake: ["snowflake-connector-python"],
  azure: ["azure-core", "azure-identity", "azure-storage-blob"],
  boto3: ["boto3"],
  botocore: ["botocore", "boto3"],
  kafka: ["kafka-python"],
  ruamel: ["ruamel-yaml"],
  grpc: ["grpcio"],
  Bio: ["biopython"],
  OpenGL: ["pyopengl"],
  wx: ["wxpython"],
  tree_sitter: ["tree-sitter"],
  typing_extensions: ["typing-extensions"],
  email_validator: ["email-validator"],
  httpx2: ["httpx2"],
  mcp: ["mcp"],
  fastmcp: ["fastmcp", "fastmcp-slim"],
  pytest: ["pytest"],
};

/** `google.cloud.storage` → `google-cloud-storage`; `google.protobuf` → `protobuf` (the `google` namespace is shared). */
export function googleDistributions(module: string): string[] {
  const parts = module.split(".");
  if (parts[1] === "protobuf") return ["protobuf"];
  if (parts[1] === "cloud" && parts[2]) return [`google-cloud-${parts[2].replace(/_/g, "-")}`];
  if (parts[1] === "genai") return ["google-genai"];
  if (parts[1] === "generativeai") return ["google-generativeai"];
  if (parts[1] === "auth" || parts[1] === "oauth2") return ["google-auth"];
  if (parts[1] === "api_core") return ["google-api-core"];
  return [parts.slice(0, 2).join("-")];
}

/**
 * Distributions FastMCP 4 installs (the closure of `fastmcp` → `fastmcp-slim[client,server]`,
 * read from FastMCP 4.1.2's package metadata with `importlib.metadata` on 2026-11-22).
 * Importing one of these without declaring it works today but breaks when FastMCP drops it,
 * so it is a warning rather than an error.
 */
export const FASTMCP_TRANSITIVE = new Set([
  "aiofile", "annotated-types", "anyio", "attrs", "authlib", "backports-tarfile", "beartype", "cachetools", "caio",
  "cffi", "click", "cryptography", "cyclopts", "dnspython", "docstring-parser", "email-validator", "exceptiongroup",
  "fastmcp-slim", "griffelib", "h11", "httpcore2", "httpx2", "idna", "importlib-metadata", "jaraco-classes",
  "jaraco-context", "jaraco-functools", "jeepney", "joserfc", "jsonref", "jsonschema", "jsonschema-path",
  "jsonschema-specifications", "keyring", "lazy-importer", "markdown-it-py", "mcp", "mcp-types", "mdurl",
  "more-itertools", "openapi-pydantic", "opentelemetry-api", "packaging", "pathable", "platformdirs",
  "py-key-value-aio", "pycparser", "pydantic", "pydantic-core", "pydantic-settings", "pygments", "pyjwt",
  "pyperclip", "python-dotenv", "python-multipart", "pyyaml", "referencing", "rich", "rich-rst", "rpds-py",
  "secretstorage", "sse-starlette", "starlette", "truststore", "typing-extensions", "typing-inspection",
  "uncalled-for", "uvicorn", "watchfiles", "websockets", "zipp",
]);

/**
 * Distributions that common requirements install as their own dependencies (read from their
 * package metadata, `Requires-Dist`): used only without a pip resolution, so an import of one of
 * them next to its parent is a warning (installed transitively), not an error.
 */
export const KNOWN_TRANSITIVE: Record<string, string[]> = {
  botocore: ["boto3"],
  jmespath: ["boto3", "botocore"],
  s3transfer: ["boto3"],
  urllib3: ["requests", "botocore"],
  "charset-normalizer": ["requests"],
  certifi: ["requests", "httpx"],
  idna: ["requests", "httpx", "anyio"],
  httpcore: ["httpx"],
  anyio: ["httpx", "starlette"],
  sniffio: ["anyio"],
  "pydantic-core": ["pydantic"],
  "typing-extensions": ["pydantic"],
  "python-dateutil": ["botocore", "pandas"],
  six: ["python-dateutil"],
  "google-auth": ["google-api-python-client", "google-api-core"],
  "google-api-core": ["google-cloud-firestore", "google-cloud-storage"],
  protobuf: ["google-api-core", "grpcio-status"],
};

/** PEP 503 normalisation: `Foo_Bar.baz` → `foo-bar-baz`. */
export function normalizeDistribution(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/**
 * Distributions that may provide an import.
 *
 * @param module - the full dotted module of the import (`google.cloud.storage`, `yaml`).
 * @param installed - distributions the analyzing interpreter maps the top-level name to (`importlib.metadata`).
 * @returns normalised distribution names; the first is the one suggested in fixes.
 */
export function distributionsFor(module: string, installed: string[] = []): string[] {
  const top = module.split(".")[0]!;
  const known = top === "google" ? googleDistributions(module) : IMPORT_TO_DISTRIBUTIONS[top] ?? [normalizeDistribution(top)];
  return [...new Set([...known, ...installed.map(normalizeDistribution)])];
}
