"""GET /openapi/v2/account/balance."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from vidswap.api.deps import Reader, Svc
from vidswap.api.schemas import BalanceResp, Envelope, ok
from vidswap.domain import credits

router = APIRouter(tags=["account"])


@router.get("/account/balance", response_model=Envelope[BalanceResp])
async def balance(svc: Svc, caller: Reader) -> dict[str, object]:
    bal = await run_in_threadpool(credits.balance, svc.db, caller.account_id)
    return ok(
        BalanceResp(
            account_id=bal.account_id, credit_monthly=bal.monthly, credit_package=bal.package
        )
    )
