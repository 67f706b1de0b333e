"""Health, readiness, metrics and config reload."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text

from warroom.config import ConfigError, LiveConfig, summary
from warroom.http.deps import AdminDep, UserDep
from warroom.observability.metrics import Metrics
from warroom.problems import WarroomError

router = APIRouter(tags=["system"])


class ConfigState(BaseModel):
    path: str | None
    generation: int
    loaded_at: datetime
    summary: str


class ConfigRefused(WarroomError):
    status_code = 422
    code = "config_invalid"


@router.get("/healthz", include_in_schema=True)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    checks: dict[str, Any] = {}
    try:
        with request.app.state.session_factory() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means not ready
        checks["database"] = f"unreachable: {type(exc).__name__}"
    live: LiveConfig | None = getattr(request.app.state, "live_config", None)
    checks["config"] = "ok" if live is not None else "not loaded"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
    )


@router.get("/metrics", response_class=Response)
def metrics(request: Request, _user: UserDep) -> Response:
    registry: Metrics = request.app.state.metrics
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)


def config_state(live: LiveConfig) -> ConfigState:
    return ConfigState(
        path=str(live.path) if live.path else None,
        generation=live.generation,
        loaded_at=live.loaded_at,
        summary=summary(live.current),
    )


@router.get("/api/v1/config", response_model=ConfigState)
def get_config_state(request: Request, _user: UserDep) -> ConfigState:
    return config_state(request.app.state.live_config)


@router.post("/api/v1/config/reload", response_model=ConfigState)
def reload_config(request: Request, _admin: AdminDep) -> ConfigState:
    live: LiveConfig = request.app.state.live_config
    metrics_: Metrics = request.app.state.metrics
    try:
        live.reload()
    except ConfigError as exc:
        metrics_.config_reload_failures.inc()
        raise ConfigRefused(
            "the new config is invalid and was not loaded; the previous one stays in force:\n"
            + str(exc),
            field="config",
        ) from exc
    metrics_.config_generation.set(live.generation)
    return config_state(live)
