"""Where `trading jobs` sends its calls: the local job store (the API's own handlers, in process) or a
server over HTTP. Both answer with the API's JSON shapes, so the commands print one format."""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from apps.api.dependencies import default_use_cases
from apps.api.routes import backtest_jobs as handlers
from trading.contexts.backtest.application.dto.run_backtest import RunBacktestRequest
from trading.contexts.backtest.application.ports.backtest_jobs_repository import BacktestJobsRepository
from trading.contexts.backtest.application.use_cases.run_backtest import BacktestContext
from trading.contexts.backtest.domain.entities.backtest_job import JobState
from trading.contexts.identity.application.resolve_user import LOCAL_USER_ID
from trading.shared.errors import DomainError

Json = dict[str, Any]
HTTP_TIMEOUT_SECONDS = 30.0


class JobsClient(Protocol):
    def submit(self, request: RunBacktestRequest) -> Json: ...
    def list(self, limit: int, state: str | None) -> Json: ...
    def get(self, job_id: str) -> Json: ...
    def top(self, job_id: str, limit: int) -> Json: ...
    def validation(self, job_id: str) -> Json: ...
    def cancel(self, job_id: str) -> Json: ...
    def close(self) -> None: ...


class LocalJobs:
    """The local user's jobs in a SQLite or PostgreSQL store, validated exactly as the API does (the same
    handlers run, so guards, quota and errors match); a `trading worker` on the same store runs them."""

    def __init__(self, repository: BacktestJobsRepository, ctx: BacktestContext) -> None:
        self._jobs = repository
        self._ctx = ctx

    def submit(self, request: RunBacktestRequest) -> Json:
        created = handlers.submit_job(request, LOCAL_USER_ID, self._ctx, default_use_cases(), self._jobs)
        return created.model_dump(mode="json")

    def list(self, limit: int, state: str | None) -> Json:
        page = handlers.list_jobs(LOCAL_USER_ID, self._jobs, limit, None, JobState(state) if state else None)
        return page.model_dump(mode="json")

    def get(self, job_id: str) -> Json:
        return handlers.get_job(job_id, LOCAL_USER_ID, self._jobs).model_dump(mode="json")

    def top(self, job_id: str, limit: int) -> Json:
        return handlers.get_job_top(job_id, LOCAL_USER_ID, self._jobs, limit).model_dump(mode="json")

    def validation(self, job_id: str) -> Json:
        return handlers.get_job_validation(job_id, LOCAL_USER_ID, self._jobs).model_dump(mode="json")

    def cancel(self, job_id: str) -> Json:
        return handlers.cancel_job(job_id, LOCAL_USER_ID, self._jobs).model_dump(mode="json")

    def close(self) -> None:
        self._jobs.close()


class HttpJobs:
    """A server's `/api/backtests/jobs`; its error payloads become the same DomainError the local store raises."""

    def __init__(self, base_url: str, token: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=HTTP_TIMEOUT_SECONDS)

    def _call(self, method: str, path: str, **kwargs: Any) -> Json:
        try:
            response = self._http.request(method, f"/api/backtests/jobs{path}", **kwargs)
        except httpx.TransportError as exc:
            raise DomainError("server_unreachable", f"cannot reach {self._http.base_url}: {exc}", status=503) from None
        body = response.json() if response.content else {}
        if response.is_error:
            error = body.get("error", {}) if isinstance(body, dict) else {}
            message = error.get("message") or response.text
            code = str(error.get("code", f"http_{response.status_code}"))
            raise DomainError(code, message, status=response.status_code)
        return body

    def submit(self, request: RunBacktestRequest) -> Json:
        return self._call("POST", "", json=request.model_dump(mode="json"))

    def list(self, limit: int, state: str | None) -> Json:
        params: dict[str, Any] = {"limit": limit} | ({"state": state} if state else {})
        return self._call("GET", "", params=params)

    def get(self, job_id: str) -> Json:
        return self._call("GET", f"/{job_id}")

    def top(self, job_id: str, limit: int) -> Json:
        return self._call("GET", f"/{job_id}/top", params={"limit": limit})

    def validation(self, job_id: str) -> Json:
        return self._call("GET", f"/{job_id}/validation")

    def cancel(self, job_id: str) -> Json:
        return self._call("POST", f"/{job_id}/cancel")

    def close(self) -> None:
        self._http.close()
