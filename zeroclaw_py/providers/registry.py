"""The one provider table (SPEC §4).

Contract (other modules rely on exactly this):
- `ProviderSpec` (frozen): id, display_name, aliases (shown by /models), hidden_aliases, base_url,
  wire (WireKind), env_vars, local, namespaced_models, discovery (live model list supported),
  listed (one of the lines /models shows), region_of (the listed id a regional variant belongs to).
- `PROVIDERS`: the 31 ZeroClaw providers in upstream order, each regional variant as its own id
  right after its base (`listed=False`), then `echo`.
- `resolve(name, config=None) -> ProviderSpec | None`: case-insensitive after trimming; ids,
  aliases, regional ids, `custom:<url>`, `anthropic-custom:<url>` and `[providers.*]` custom
  providers (those need `config`). Regional aliases keep their region. A malformed `custom:`
  URL or a custom provider without `api_url` raises `UnknownProviderError` with the reason;
  an unknown name returns None (`unknown_provider_message(name)` is the upstream error text).
- `listed_providers(config=None)`: the /models lines, in order: the 31 ZeroClaw providers, then
  `echo`, then the custom providers of `config`.

Decisions (documented here because they are judgement calls):
- Base URLs follow the SPEC §4 `api_url` convention (OpenAI kind includes the version path), so
  a few hosts from the upstream table carry the `/v1`-style path the vendor documents.
- `namespaced_models` marks providers whose model ids routinely look like `vendor/model`
  (aggregators and hosts of open-weight models): openrouter, vercel, cloudflare, together,
  fireworks, nvidia, groq (`openai/gpt-oss-120b`), lmstudio (`qwen/qwen3-4b`) and custom
  OpenAI-kind endpoints (vLLM serves Hugging Face repo ids). venice, opencode and copilot use
  bare ids, so `/model openai/gpt-4o` there switches to the openai provider.
- `echo` is listed after the 31 upstream lines (SPEC §4 "then echo"): it is the zero-config
  default, and a sender must be able to see and switch back to it.
- Live discovery (`models refresh`) covers upstream's set plus the OpenAI-compatible providers
  whose `/models` endpoint is documented; OAuth-only and gateway-specific ones are excluded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from zeroclaw_py.config.schema import WireKind
from zeroclaw_py.errors import UnknownProviderError

if TYPE_CHECKING:
    from zeroclaw_py.config.schema import Config


@dataclass(frozen=True)
class ProviderSpec:
    id: str
    display_name: str
    wire: WireKind
    base_url: str
    aliases: tuple[str, ...] = ()
    hidden_aliases: tuple[str, ...] = ()
    env_vars: tuple[str, ...] = ()
    local: bool = False
    namespaced_models: bool = False
    discovery: bool = False
    listed: bool = True
    region_of: str | None = None  # regional variant: the listed id whose line shows it
    custom: bool = False  # built from `custom:` / `anthropic-custom:` / `[providers.*]` kind
    typed_url: bool = False  # a `custom:<url>` form: any sender may type one in `/models`


def _p(
    id: str,
    display_name: str,
    base_url: str,
    *env_vars: str,
    wire: WireKind = "openai",
    aliases: tuple[str, ...] = (),
    hidden: tuple[str, ...] = (),
    local: bool = False,
    ns: bool = False,
    discovery: bool = False,
    region_of: str | None = None,
) -> ProviderSpec:
    return ProviderSpec(
        id=id,
        display_name=display_name,
        wire=wire,
        base_url=base_url,
        aliases=aliases,
        hidden_aliases=hidden,
        env_vars=env_vars,
        local=local,
        namespaced_models=ns,
        discovery=discovery,
        listed=region_of is None,
        region_of=region_of,
    )


_QWEN_ENV = "DASHSCOPE_API_KEY"
_DASHSCOPE = "aliyuncs.com/compatible-mode/v1"

# fmt: off
PROVIDERS: tuple[ProviderSpec, ...] = (
    _p("openrouter", "OpenRouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY",
       ns=True, discovery=True),
    _p("anthropic", "Anthropic", "https://api.anthropic.com",
       "ANTHROPIC_OAUTH_TOKEN", "ANTHROPIC_API_KEY", wire="anthropic", discovery=True),
    _p("openai", "OpenAI", "https://api.openai.com/v1", "OPENAI_API_KEY", discovery=True),
    _p("openai-codex", "OpenAI Codex (OAuth)", "https://chatgpt.com/backend-api/codex",
       aliases=("openai_codex", "codex")),
    _p("ollama", "Ollama", "http://localhost:11434", "OLLAMA_API_KEY", wire="ollama",
       local=True, discovery=True),
    _p("gemini", "Google Gemini", "https://generativelanguage.googleapis.com/v1beta",
       "GEMINI_API_KEY", "GOOGLE_API_KEY", wire="gemini", aliases=("google", "google-gemini"),
       discovery=True),
    _p("venice", "Venice", "https://api.venice.ai/api/v1", "VENICE_API_KEY", discovery=True),
    _p("vercel", "Vercel AI Gateway", "https://ai-gateway.vercel.sh/v1", "VERCEL_API_KEY",
       aliases=("vercel-ai",), ns=True, discovery=True),
    _p("cloudflare", "Cloudflare AI", "https://gateway.ai.cloudflare.com/v1",
       "CLOUDFLARE_API_KEY", aliases=("cloudflare-ai",), ns=True),
    _p("moonshot", "Moonshot", "https://api.moonshot.cn/v1", "MOONSHOT_API_KEY",
       aliases=("kimi",), hidden=("moonshot-cn", "kimi-cn"), discovery=True),
    _p("moonshot-intl", "Moonshot (international)", "https://api.moonshot.ai/v1",
       "MOONSHOT_API_KEY", hidden=("kimi-intl", "moonshot-global", "kimi-global"),
       discovery=True, region_of="moonshot"),
    _p("kimi-code", "Kimi Code", "https://api.kimi.com/coding/v1", "KIMI_CODE_API_KEY",
       "MOONSHOT_API_KEY", aliases=("kimi_coding", "kimi_for_coding")),
    _p("synthetic", "Synthetic", "https://api.synthetic.new/openai/v1", "SYNTHETIC_API_KEY",
       discovery=True),
    _p("opencode", "OpenCode Zen", "https://opencode.ai/zen/v1", "OPENCODE_API_KEY",
       aliases=("opencode-zen",), discovery=True),
    _p("zai", "Z.AI", "https://api.z.ai/api/coding/paas/v4", "ZAI_API_KEY",
       aliases=("z.ai",), hidden=("zai-global", "z.ai-global")),
    _p("zai-cn", "Z.AI (China)", "https://open.bigmodel.cn/api/coding/paas/v4", "ZAI_API_KEY",
       hidden=("z.ai-cn",), region_of="zai"),
    _p("glm", "GLM (Zhipu)", "https://api.z.ai/api/paas/v4", "GLM_API_KEY",
       aliases=("zhipu",), hidden=("glm-global", "zhipu-global")),
    _p("glm-cn", "GLM (Zhipu, China)", "https://open.bigmodel.cn/api/paas/v4", "GLM_API_KEY",
       hidden=("zhipu-cn", "bigmodel"), region_of="glm"),
    _p("minimax", "MiniMax", "https://api.minimax.io/v1", "MINIMAX_API_KEY",
       hidden=("minimax-intl", "minimax-io", "minimax-global")),
    _p("minimax-cn", "MiniMax (China)", "https://api.minimaxi.com/v1", "MINIMAX_API_KEY",
       hidden=("minimaxi",), region_of="minimax"),
    _p("bedrock", "Amazon Bedrock", "https://bedrock-runtime.us-east-1.amazonaws.com/openai/v1",
       aliases=("aws-bedrock",)),
    _p("qianfan", "Qianfan (Baidu)", "https://qianfan.baidubce.com/v2", "QIANFAN_API_KEY",
       aliases=("baidu",)),
    _p("qwen", "Qwen (DashScope)", f"https://dashscope.{_DASHSCOPE}", _QWEN_ENV,
       aliases=("dashscope", "qwen-intl", "dashscope-intl", "qwen-us", "dashscope-us"),
       hidden=("qwen-cn", "dashscope-cn"), discovery=True),
    _p("qwen-intl", "Qwen (DashScope, international)", f"https://dashscope-intl.{_DASHSCOPE}",
       _QWEN_ENV, hidden=("dashscope-intl", "qwen-international", "dashscope-international"),
       discovery=True, region_of="qwen"),
    _p("qwen-us", "Qwen (DashScope, US)", f"https://dashscope-us.{_DASHSCOPE}", _QWEN_ENV,
       hidden=("dashscope-us",), discovery=True, region_of="qwen"),
    _p("groq", "Groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY", ns=True,
       discovery=True),
    _p("mistral", "Mistral", "https://api.mistral.ai/v1", "MISTRAL_API_KEY", discovery=True),
    _p("xai", "xAI (Grok)", "https://api.x.ai/v1", "XAI_API_KEY", aliases=("grok",),
       discovery=True),
    _p("deepseek", "DeepSeek", "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY",
       discovery=True),
    _p("together", "Together AI", "https://api.together.xyz/v1", "TOGETHER_API_KEY",
       aliases=("together-ai",), ns=True, discovery=True),
    _p("fireworks", "Fireworks AI", "https://api.fireworks.ai/inference/v1",
       "FIREWORKS_API_KEY", aliases=("fireworks-ai",), ns=True, discovery=True),
    _p("perplexity", "Perplexity", "https://api.perplexity.ai", "PERPLEXITY_API_KEY"),
    _p("cohere", "Cohere", "https://api.cohere.com/compatibility/v1", "COHERE_API_KEY"),
    _p("copilot", "GitHub Copilot", "https://api.githubcopilot.com",
       aliases=("github-copilot",)),
    _p("lmstudio", "LM Studio", "http://localhost:1234/v1", aliases=("lm-studio",),
       local=True, ns=True, discovery=True),
    _p("nvidia", "NVIDIA NIM", "https://integrate.api.nvidia.com/v1", "NVIDIA_API_KEY",
       aliases=("nvidia-nim", "build.nvidia.com"), ns=True, discovery=True),
    _p("ovhcloud", "OVHcloud AI Endpoints", "https://oai.endpoints.kepler.ai.cloud.ovh.net/v1",
       "OVH_AI_ENDPOINTS_ACCESS_TOKEN", aliases=("ovh",), discovery=True),
    ProviderSpec(id="echo", display_name="Echo (offline)", wire="openai", base_url="",
                 local=True, discovery=True),
)
# fmt: on

UPSTREAM_COUNT = 31  # the ZeroClaw lines /models shows before `echo` and custom providers

# Lookup order makes regional ids win over the base line's displayed aliases:
# `qwen-intl` is shown on the qwen line yet resolves to the qwen-intl spec.
_BY_NAME: dict[str, ProviderSpec] = {}
for _spec in PROVIDERS:
    _BY_NAME.setdefault(_spec.id, _spec)
for _spec in PROVIDERS:
    for _alias in _spec.hidden_aliases:
        _BY_NAME.setdefault(_alias, _spec)
for _spec in PROVIDERS:
    for _alias in _spec.aliases:
        _BY_NAME.setdefault(_alias, _spec)

_CUSTOM_PREFIXES: dict[str, tuple[WireKind, str]] = {
    "custom:": ("openai", "Custom"),
    "anthropic-custom:": ("anthropic", "Custom (Anthropic)"),
}


def unknown_provider_message(name: str) -> str:
    """The upstream error text for a name nothing resolves."""
    return (
        f"Unknown provider: {name}. Check README for supported providers or run "
        "`zeroclaw models status` to see the configured ones.\n"
        'Tip: Use "custom:https://your-api.com" for OpenAI-compatible endpoints.\n'
        'Tip: Use "anthropic-custom:https://your-api.com" for Anthropic-compatible endpoints.'
    )


def _parse_url(url: str) -> tuple[str, bool]:
    """(lower-cased scheme, whether the URL has a usable host and port)."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return url.partition(":")[0].lower(), False
    return parts.scheme.lower(), bool(parts.netloc) and bool(parts.hostname)


def _custom_url_spec(prefix: str, raw_url: str) -> ProviderSpec:
    wire, label = _CUSTOM_PREFIXES[prefix]
    url = raw_url.strip()
    example = f"{prefix}https://your-api.com"
    kind = "Anthropic-custom" if wire == "anthropic" else "Custom"
    if not url:
        raise UnknownProviderError(
            prefix + url, f"{kind} provider requires a URL. Format: {example}"
        )
    scheme, valid = _parse_url(url)
    if scheme not in ("http", "https") and (valid or "://" in url):
        raise UnknownProviderError(
            prefix + url,
            f"{kind} provider requires an http:// or https:// URL. Format: {example}",
        )
    if not valid:
        raise UnknownProviderError(
            prefix + url, f"{kind} provider requires a valid URL. Format: {example}"
        )
    return ProviderSpec(
        id=prefix + url,
        display_name=f"{label} ({url})",
        wire=wire,
        base_url=url.rstrip("/"),
        namespaced_models=wire == "openai",
        discovery=True,
        listed=False,
        custom=True,
        typed_url=True,
    )


def _config_custom_spec(name: str, config: Config) -> ProviderSpec | None:
    for key, settings in config.providers.items():
        if key.strip().lower() != name or settings.kind is None:
            continue
        if not settings.api_url:
            raise UnknownProviderError(
                key, f"Custom provider `{key}` needs `api_url` in [providers.{key}]"
            )
        return ProviderSpec(
            id=key.strip(),
            display_name=key.strip(),
            wire=settings.kind,
            base_url=settings.api_url.strip().rstrip("/"),
            namespaced_models=settings.kind == "openai",
            discovery=True,
            listed=True,
            custom=True,
        )
    return None


def resolve(name: str, config: Config | None = None) -> ProviderSpec | None:
    """The spec `name` denotes, or None. Raises UnknownProviderError for a malformed custom URL."""
    key = name.strip().lower()
    if not key:
        return None
    if spec := _BY_NAME.get(key):
        return spec
    for prefix in _CUSTOM_PREFIXES:
        if key.startswith(prefix):
            return _custom_url_spec(prefix, name.strip()[len(prefix) :])
    if config is not None:
        return _config_custom_spec(key, config)
    return None


def custom_providers(config: Config) -> tuple[ProviderSpec, ...]:
    """`[providers.<name>]` entries with a `kind` that are not registry providers, in file order."""
    found: list[ProviderSpec] = []
    for key, settings in config.providers.items():
        if settings.kind is None or not settings.api_url or key.strip().lower() in _BY_NAME:
            continue
        spec = _config_custom_spec(key.strip().lower(), config)
        if spec is not None:
            found.append(spec)
    return tuple(found)


def listed_providers(config: Config | None = None) -> tuple[ProviderSpec, ...]:
    """The /models lines: the 31 ZeroClaw providers, `echo`, then custom providers of `config`."""
    base = tuple(spec for spec in PROVIDERS if spec.listed)
    return base + custom_providers(config) if config is not None else base


def canonical_id(spec: ProviderSpec) -> str:
    """The id used in routes, replies and the models cache (regional ids stay regional)."""
    return spec.id


def with_base_url(spec: ProviderSpec, base_url: str) -> ProviderSpec:
    """A copy of `spec` pointing at another endpoint (used for `providers.<id>.api_url`)."""
    return replace(spec, base_url=base_url.rstrip("/"))
