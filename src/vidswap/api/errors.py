"""One place that turns every failure into the `{ErrCode, ErrMsg, Resp}` envelope."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from vidswap import errors
from vidswap.api.schemas import error

log = logging.getLogger(__name__)

MISSING = {"missing"}
TYPE_ERRORS = ("_type", "_parsing", "json_invalid", "model_attributes_type", "dict_type")


def envelope(exc: errors.VidswapError) -> JSONResponse:
    return JSONResponse(error(exc.code, exc.message), status_code=exc.http_status)


def _from_validation(exc: RequestValidationError) -> errors.VidswapError:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "body"
    kind = str(first.get("type", ""))
    if kind in MISSING:
        return errors.MissingParameter(f"The parameter {where} is required.")
    if kind.endswith(TYPE_ERRORS):
        return errors.WrongParameterType(f"The parameter {where} has the wrong type.")
    return errors.InvalidParameter(f"The parameter {where} is invalid: {first.get('msg', '')}.")


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.VidswapError)
    async def _known(_request: Request, exc: errors.VidswapError) -> JSONResponse:
        return envelope(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return envelope(_from_validation(exc))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 404:
            msg = f"No such endpoint: {request.method} {request.url.path}."
            return JSONResponse(error(errors.RouteNotFound.code, msg), status_code=404)
        if exc.status_code == 405:
            msg = f"{request.method} is not allowed on {request.url.path}."
            return JSONResponse(error(errors.InvalidParameter.code, msg), status_code=405)
        return JSONResponse(error(errors.InvalidParameter.code, str(exc.detail)), exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return envelope(errors.InternalError())
