"""Administration of one KB (admin keys only): API keys (``/v1/admin/keys``), the running
settings (``/v1/admin/settings``) and uploading documents to ingest (``/v1/admin/documents``).

Uploads are kept in the KB's ``uploads/`` folder (so the documents stay reproducible) and
ingested like ``kotae ingest``; a new snapshot is published when anything changed.
"""

from __future__ import annotations

import logging
import re
import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile  # what request.form() gives

from kotae.app.api.auth import Role, allow
from kotae.app.api.deps import CallerDep, KeysDep, ServicesDep
from kotae.app.api.schemas.common import ErrorOut, Label, printable
from kotae.ingest import LOADERS, Defaults
from kotae.kb import KBBusy, Visibility
from kotae.kb.keys import ApiKey

log = logging.getLogger("kotae.admin")
router = APIRouter(tags=["admin"])
ERRORS = {401: {"model": ErrorOut, "description": "No key, or an unknown or revoked one."},
          403: {"model": ErrorOut, "description": "The key's role is below admin."}}
UPLOAD_CHUNK = 1 << 16
SAFE_NAME = re.compile(r"[^\w.\-]+")


class KeyOut(BaseModel):
    id: str
    role: str
    name: str
    prefix: str = Field(description="The first characters of the key, to recognise it by.")
    created_at: str
    revoked_at: str | None = None


class CreatedKeyOut(KeyOut):
    key: str = Field(description="The key itself. Shown this once; only its hash is stored.")


class KeyIn(BaseModel):
    role: Role = Field(description="agent, editor or admin.")
    name: Label(200, "Who or what uses the key (printable text).")  # type: ignore[valid-type]


def _key_out(key: ApiKey) -> KeyOut:
    return KeyOut(**key.__dict__)


@router.get("/v1/admin/keys", response_model=list[KeyOut], summary="The KB's API keys",
            responses=ERRORS, **allow(Role.ADMIN))
def list_keys(keys: KeysDep) -> list[KeyOut]:
    return [_key_out(k) for k in keys.list()]


@router.post("/v1/admin/keys", response_model=CreatedKeyOut, status_code=201,
             summary="Make an API key (the response is the only time it is shown)",
             responses={**ERRORS, 422: {"model": ErrorOut}}, **allow(Role.ADMIN))
def create_key(body: KeyIn, keys: KeysDep) -> CreatedKeyOut:
    if body.role is Role.PUBLIC:
        raise HTTPException(422, "public callers need no key; choose agent, editor or admin")
    made = keys.create(body.role.value, body.name)
    return CreatedKeyOut(**made.key.__dict__, key=made.secret)


@router.delete("/v1/admin/keys/{key_id}", response_model=KeyOut, summary="Revoke an API key",
               responses={**ERRORS, 404: {"model": ErrorOut}}, **allow(Role.ADMIN))
def revoke_key(key_id: Annotated[str, PathParam(pattern=r"^[0-9a-f]{16}$")],
               keys: KeysDep) -> KeyOut:
    try:
        return _key_out(keys.revoke(key_id))
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None


class SettingsOut(BaseModel):
    kb: str = Field(description="The KB's name in this server.")
    embedder: str
    index_type: str
    sudachi_mode: str
    rate_limit_per_minute: int
    rate_limit_burst: int
    rate_limit_store: str = Field(description="Where the per-client counts are kept: memory "
                                  "(one process), database (the KB's, shared by its workers) "
                                  "or redis (KOTAE_REDIS_URL, shared by every server).")
    max_body_bytes: int
    max_upload_bytes: int
    snapshot: str | None = None
    database: str = Field(description="sqlite or postgresql (never the URL: it may hold a "
                          "password).")


@router.get("/v1/admin/settings", response_model=SettingsOut,
            summary="The settings this KB is served with", responses=ERRORS,
            **allow(Role.ADMIN))
def show_settings(services: ServicesDep) -> SettingsOut:
    s = services.settings
    snapshot = services.kb.snapshots.version()
    return SettingsOut(kb=services.name,
                       embedder=s.embedder, index_type=s.index_type, sudachi_mode=s.sudachi_mode,
                       rate_limit_per_minute=s.rate_limit_per_minute,
                       rate_limit_burst=s.rate_limit_burst,
                       rate_limit_store=services.limiter.where, max_body_bytes=s.max_body_bytes,
                       max_upload_bytes=s.max_upload_bytes, snapshot=snapshot,
                       database="postgresql" if s.database_url else "sqlite")


class ProblemOut(BaseModel):
    path: str
    line: int | None = None
    message: str


class UploadOut(BaseModel):
    files: list[str] = Field(description="The names the uploads were kept under.")
    added: int
    updated: int
    unchanged: int
    problems: list[ProblemOut] = Field(description="Files or lines skipped, with the reason.")
    published: bool = Field(description="Whether a new snapshot was published.")
    snapshot: str | None = None
    documents: int = 0
    chunks: int = 0


def _safe_name(name: str) -> str:
    stem = SAFE_NAME.sub("_", Path(name).name).strip("._") or "upload"
    return stem[:120]


async def _save(upload: UploadFile, folder: Path, limit: int) -> Path:
    """Write an upload under ``folder`` with a fresh name prefix; 413 beyond ``limit`` bytes."""
    name = _safe_name(upload.filename or "upload")
    if Path(name).suffix.lower() not in LOADERS:
        raise HTTPException(415, f"{upload.filename!r}: unsupported file type; supported: "
                            f"{' '.join(LOADERS)}")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f".incoming-{secrets.token_hex(4)}-{name}"  # hidden: ingest skips it
    size = 0
    try:
        with target.open("wb") as out:
            while chunk := await upload.read(UPLOAD_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise HTTPException(413, f"{upload.filename!r} is larger than the "
                                        f"{limit:,} bytes an upload may have")
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    final = folder / name  # the same name again updates the same documents
    target.replace(final)
    return final


MAX_FILES = 20
UPLOAD_PATH = "/v1/admin/documents"  # its body limit is MAX_FILES × max_upload_bytes
UPLOAD_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["files"], "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                  "minItems": 1, "maxItems": MAX_FILES},
        "visibility": {"type": "string", "enum": ["public", "internal"], "description":
                       "Visibility of documents that do not set their own."},
        "product": {"type": "string", "maxLength": 128}}}}}}
# The body is read inside the route, after the admin check (a body declared as parameters would
# be read, and spooled to disk, before any dependency runs, whoever sends it).
UPLOAD_ROUTE = allow(Role.ADMIN)
UPLOAD_ROUTE["openapi_extra"] = {**UPLOAD_ROUTE["openapi_extra"], "requestBody": UPLOAD_BODY}


async def _upload_form(request: Request) -> tuple[list[UploadFile], Visibility | None, str]:
    form = await request.form(max_files=MAX_FILES, max_fields=10)
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
    if not files or len(files) != len(form.getlist("files")):
        raise HTTPException(422, f"send 1 to {MAX_FILES} files in the multipart field 'files'")
    raw_visibility, product = form.get("visibility") or "", form.get("product") or ""
    if not isinstance(raw_visibility, str) or not isinstance(product, str) or len(product) > 128:
        raise HTTPException(422, "visibility must be public or internal and product at most "
                            "128 characters")
    if product:
        try:
            product = printable(product)
        except ValueError as exc:
            raise HTTPException(422, f"product {exc}") from None
    try:
        visibility = Visibility(raw_visibility) if raw_visibility else None
    except ValueError:
        raise HTTPException(422, "visibility must be public or internal") from None
    return files, visibility, product


@router.post(UPLOAD_PATH, response_model=UploadOut, status_code=201,
             summary="Upload documents (manuals, FAQ sheets, ticket exports) and ingest them",
             responses={**ERRORS, 409: {"model": ErrorOut, "description": "An ingest is running."},
                        413: {"model": ErrorOut, "description": "A file is too large."},
                        415: {"model": ErrorOut, "description": "Unsupported file type."},
                        422: {"model": ErrorOut, "description": "No files, or bad fields."}},
             **UPLOAD_ROUTE)
async def upload_documents(request: Request, caller: CallerDep,
                           services: ServicesDep) -> UploadOut:
    """Multipart fields: ``files`` (1 to 20; the formats of ``kotae ingest``; each at most
    ``max_upload_bytes``), ``visibility`` and ``product`` for documents that set neither.
    Files that cannot be read are reported in ``problems`` (nothing is lost: the other files
    are ingested)."""
    files, visibility, product = await _upload_form(request)
    settings, kb = services.settings, services.kb
    folder = settings.home / "uploads"
    saved: list[Path] = []
    try:
        for upload in files:
            saved.append(await _save(upload, folder, settings.max_upload_bytes))
    except BaseException:
        for path in saved:
            path.unlink(missing_ok=True)
        raise
    defaults = Defaults(visibility=visibility, product=product)
    from starlette.concurrency import run_in_threadpool

    try:
        outcome = await run_in_threadpool(kb.ingest, saved, defaults)
    except KBBusy as exc:
        for path in saved:
            path.unlink(missing_ok=True)
        raise HTTPException(409, str(exc)) from None
    log.info("upload by %s: %d file(s) ingested", caller.label, len(saved))
    report, build = outcome.report, outcome.build
    return UploadOut(
        files=[p.name for p in saved], added=report.counts.added,
        updated=report.counts.updated, unchanged=report.counts.unchanged,
        problems=[ProblemOut(path=Path(p.path).name, line=p.line, message=p.message)
                  for p in report.problems],
        published=bool(build and build.published),
        snapshot=kb.snapshots.version() if build else None,
        documents=build.manifest.documents if build else 0,
        chunks=build.manifest.chunks if build else 0)
