"""The fake WeChat / WeCom API behaves like the real one over real HTTP.

Channel and outbox tests trust this fake to reproduce WeChat's token rules,
error codes and failure modes; these tests pin that behaviour down.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from tests.fakes import FakeWeChatAPI

TIMEOUT = 5.0
CUSTOM = "/cgi-bin/message/custom/send"
TEMPLATE = "/cgi-bin/message/template/send"
WECOM_SEND = "/cgi-bin/message/send"
ROBOT = "/cgi-bin/webhook/send"


class Clock:
    """A settable clock for expiry and rate-window tests."""

    def __init__(self, now: float = 1_795_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def get(api: FakeWeChatAPI, path: str, **params: Any) -> requests.Response:
    return requests.get(api.base_url + path, params=params, timeout=TIMEOUT)


def post(api: FakeWeChatAPI, path: str, body: Any, **params: Any) -> requests.Response:
    return requests.post(api.base_url + path, params=params, json=body, timeout=TIMEOUT)


def oa_token(api: FakeWeChatAPI) -> str:
    r = get(api, "/cgi-bin/token", grant_type="client_credential", appid=api.app_id, secret=api.app_secret)
    return r.json()["access_token"]


def stable(api: FakeWeChatAPI, force: bool = False, secret: str | None = None) -> dict[str, Any]:
    body = {
        "grant_type": "client_credential",
        "appid": api.app_id,
        "secret": secret or api.app_secret,
        "force_refresh": force,
    }
    return post(api, "/cgi-bin/stable_token", body).json()


def wecom_token(api: FakeWeChatAPI, secret: str | None = None) -> dict[str, Any]:
    return get(api, "/cgi-bin/gettoken", corpid=api.corp_id, corpsecret=secret or api.corp_secret).json()


def text_to(openid: str, content: str = "您的报修已受理") -> dict[str, Any]:
    return {"touser": openid, "msgtype": "text", "text": {"content": content}}


def robot_text(content: str = "今日党史") -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": content}}


# --- Official Account tokens ------------------------------------------------
def test_token_is_issued_as_json_on_localhost(fake_wechat: FakeWeChatAPI) -> None:
    assert fake_wechat.base_url.startswith("http://127.0.0.1:")
    r = get(
        fake_wechat,
        "/cgi-bin/token",
        grant_type="client_credential",
        appid=fake_wechat.app_id,
        secret=fake_wechat.app_secret,
    )
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    data = r.json()
    assert data["expires_in"] == 7200 and data["access_token"]


@pytest.mark.parametrize(
    ("params", "errcode"),
    [
        ({"secret": "wrong"}, 40001),
        ({"appid": "wx_unknown"}, 40013),
        ({"grant_type": "password"}, 40002),
    ],
)
def test_token_rejects_bad_credentials(fake_wechat: FakeWeChatAPI, params: dict, errcode: int) -> None:
    query = {"grant_type": "client_credential", "appid": fake_wechat.app_id, "secret": fake_wechat.app_secret, **params}
    data = get(fake_wechat, "/cgi-bin/token", **query).json()
    assert data["errcode"] == errcode and "access_token" not in data


def test_new_token_invalidates_the_previous_one(fake_wechat: FakeWeChatAPI) -> None:
    old = oa_token(fake_wechat)
    new = oa_token(fake_wechat)
    assert old != new
    assert post(fake_wechat, CUSTOM, text_to("oA"), access_token=old).json()["errcode"] == 40001
    assert post(fake_wechat, CUSTOM, text_to("oA"), access_token=new).json()["errcode"] == 0


def test_stable_token_is_reused_until_force_refresh(fake_wechat: FakeWeChatAPI) -> None:
    first = stable(fake_wechat)["access_token"]
    assert stable(fake_wechat)["access_token"] == first
    refreshed = stable(fake_wechat, force=True)["access_token"]
    assert refreshed != first
    assert post(fake_wechat, CUSTOM, text_to("oA"), access_token=first).json()["errcode"] == 40001
    assert post(fake_wechat, CUSTOM, text_to("oA"), access_token=refreshed).json()["errcode"] == 0


def test_stable_token_wrong_secret_is_40125(fake_wechat: FakeWeChatAPI) -> None:
    assert stable(fake_wechat, secret="nope")["errcode"] == 40125


def test_stable_and_ordinary_tokens_do_not_invalidate_each_other(fake_wechat: FakeWeChatAPI) -> None:
    st = stable(fake_wechat)["access_token"]
    oa_token(fake_wechat)
    assert post(fake_wechat, CUSTOM, text_to("oA"), access_token=st).json()["errcode"] == 0


def test_expired_token_is_42001_and_expiry_is_configurable(fake_wechat: FakeWeChatAPI) -> None:
    clock = Clock()
    fake_wechat.clock = clock
    fake_wechat.expires_in = 60
    data = stable(fake_wechat)
    assert data["expires_in"] == 60
    clock.now += 30
    assert stable(fake_wechat) == {"access_token": data["access_token"], "expires_in": 30}
    clock.now += 31
    assert post(fake_wechat, CUSTOM, text_to("oA"), access_token=data["access_token"]).json()["errcode"] == 42001
    assert stable(fake_wechat)["access_token"] != data["access_token"]


def test_expire_tokens_helper(fake_wechat: FakeWeChatAPI) -> None:
    token = oa_token(fake_wechat)
    fake_wechat.expire_tokens()
    assert post(fake_wechat, CUSTOM, text_to("oA"), access_token=token).json()["errcode"] == 42001


# --- Official Account messages ----------------------------------------------
@pytest.mark.parametrize(
    "message",
    [
        {"touser": "oA", "msgtype": "text", "text": {"content": "你好"}},
        {"touser": "oA", "msgtype": "image", "image": {"media_id": "m1"}},
        {"touser": "oA", "msgtype": "news", "news": {"articles": [{"title": "停水", "url": "http://x"}]}},
        {
            "touser": "oA",
            "msgtype": "msgmenu",
            "msgmenu": {"head_content": "满意吗", "list": [{"id": "1", "content": "满意"}]},
        },
    ],
)
def test_custom_send_accepts_and_records_messages(fake_wechat: FakeWeChatAPI, message: dict) -> None:
    token = fake_wechat.grant_token()
    assert post(fake_wechat, CUSTOM, message, access_token=token).json() == {"errcode": 0, "errmsg": "ok"}
    assert fake_wechat.sent(CUSTOM) == [message]
    assert fake_wechat.delivered(CUSTOM) == [message]


@pytest.mark.parametrize(
    ("message", "errcode"),
    [
        ({"msgtype": "text", "text": {"content": "x"}}, 40003),
        ({"touser": "oA", "msgtype": "hologram", "hologram": {}}, 40008),
        ({"touser": "oA", "msgtype": "text", "text": {"content": ""}}, 44004),
    ],
)
def test_custom_send_rejects_bad_messages(fake_wechat: FakeWeChatAPI, message: dict, errcode: int) -> None:
    r = post(fake_wechat, CUSTOM, message, access_token=fake_wechat.grant_token())
    assert r.json()["errcode"] == errcode
    assert fake_wechat.delivered(CUSTOM) == [] and fake_wechat.sent(CUSTOM) == [message]


def test_message_without_token_is_41001(fake_wechat: FakeWeChatAPI) -> None:
    assert post(fake_wechat, CUSTOM, text_to("oA")).json()["errcode"] == 41001
    assert post(fake_wechat, CUSTOM, text_to("oA"), access_token="made-up").json()["errcode"] == 40001


def test_out_of_window_user_gets_45015(fake_wechat: FakeWeChatAPI) -> None:
    fake_wechat.out_of_window.add("oGone")
    token = fake_wechat.grant_token()
    assert post(fake_wechat, CUSTOM, text_to("oGone"), access_token=token).json()["errcode"] == 45015
    assert post(fake_wechat, CUSTOM, text_to("oHere"), access_token=token).json()["errcode"] == 0


def test_template_send_returns_increasing_msgids(fake_wechat: FakeWeChatAPI) -> None:
    token = fake_wechat.grant_token()
    body = {"touser": "oA", "template_id": "tpl_ticket", "data": {"first": {"value": "工单已受理"}}}
    first = post(fake_wechat, TEMPLATE, body, access_token=token).json()
    second = post(fake_wechat, TEMPLATE, body, access_token=token).json()
    assert first["errcode"] == 0 and second["msgid"] > first["msgid"]
    fake_wechat.template_ids = {"tpl_other"}
    assert post(fake_wechat, TEMPLATE, body, access_token=token).json()["errcode"] == 40037


def test_media_get_returns_bytes_or_40007(fake_wechat: FakeWeChatAPI) -> None:
    fake_wechat.add_media("m_photo", b"\xff\xd8JPEGDATA", "image/jpeg")
    token = fake_wechat.grant_token()
    r = get(fake_wechat, "/cgi-bin/media/get", access_token=token, media_id="m_photo")
    assert r.content == b"\xff\xd8JPEGDATA" and r.headers["Content-Type"] == "image/jpeg"
    missing = get(fake_wechat, "/cgi-bin/media/get", access_token=token, media_id="nope")
    assert missing.headers["Content-Type"].startswith("application/json")
    assert missing.json()["errcode"] == 40007


def test_wrong_method_and_unknown_path(fake_wechat: FakeWeChatAPI) -> None:
    assert get(fake_wechat, CUSTOM).json()["errcode"] == 43002
    assert get(fake_wechat, "/cgi-bin/nothing").status_code == 404


# --- WeCom ------------------------------------------------------------------
def test_wecom_token_is_stable_per_secret(fake_wechat: FakeWeChatAPI) -> None:
    fake_wechat.add_corp_app(fake_wechat.corp_id, "second_secret", 1000003)
    a = wecom_token(fake_wechat)
    assert a["errcode"] == 0 and a["expires_in"] == 7200
    assert wecom_token(fake_wechat)["access_token"] == a["access_token"]
    assert wecom_token(fake_wechat, "second_secret")["access_token"] != a["access_token"]
    assert wecom_token(fake_wechat, "wrong")["errcode"] == 40001
    bad_corp = get(fake_wechat, "/cgi-bin/gettoken", corpid="ww_x", corpsecret="s").json()
    assert bad_corp["errcode"] == 40013


@pytest.mark.parametrize(
    "kind",
    [
        {"msgtype": "text", "text": {"content": "3栋电梯困人，请立即处理"}},
        {"msgtype": "markdown", "markdown": {"content": "**新工单** T20261122-0007"}},
        {"msgtype": "textcard", "textcard": {"title": "新工单", "description": "漏水", "url": "http://x"}},
    ],
)
def test_wecom_app_message_send(fake_wechat: FakeWeChatAPI, kind: dict) -> None:
    token = wecom_token(fake_wechat)["access_token"]
    body = {"touser": "zhangsan|lisi", "agentid": fake_wechat.agent_id, **kind}
    data = post(fake_wechat, WECOM_SEND, body, access_token=token).json()
    assert data["errcode"] == 0 and data["invaliduser"] == "" and data["msgid"]
    assert fake_wechat.delivered(WECOM_SEND) == [body]


def test_wecom_reports_invalid_users(fake_wechat: FakeWeChatAPI) -> None:
    fake_wechat.wecom_users = {"zhangsan"}
    token = wecom_token(fake_wechat)["access_token"]
    base = {"agentid": fake_wechat.agent_id, "msgtype": "text", "text": {"content": "x"}}
    some = post(fake_wechat, WECOM_SEND, {"touser": "zhangsan|ghost", **base}, access_token=token).json()
    assert (some["errcode"], some["invaliduser"]) == (0, "ghost")
    none = post(fake_wechat, WECOM_SEND, {"touser": "ghost", **base}, access_token=token).json()
    assert (none["errcode"], none["invaliduser"]) == (81013, "ghost")


def test_wecom_send_checks_platform_and_agent(fake_wechat: FakeWeChatAPI) -> None:
    body = {"touser": "zhangsan", "agentid": fake_wechat.agent_id, "msgtype": "text", "text": {"content": "x"}}
    oa = fake_wechat.grant_token()
    assert post(fake_wechat, WECOM_SEND, body, access_token=oa).json()["errcode"] == 40001
    token = wecom_token(fake_wechat)["access_token"]
    wrong_agent = {**body, "agentid": 1}
    assert post(fake_wechat, WECOM_SEND, wrong_agent, access_token=token).json()["errcode"] == 40056


# --- group robot --------------------------------------------------------------
def test_robot_allows_20_per_minute_per_key(fake_wechat: FakeWeChatAPI) -> None:
    clock = Clock()
    fake_wechat.clock = clock
    codes = [post(fake_wechat, ROBOT, robot_text(f"第{i}条"), key="k1").json()["errcode"] for i in range(21)]
    assert codes == [0] * 20 + [45009]
    assert post(fake_wechat, ROBOT, robot_text(), key="k2").json()["errcode"] == 0
    clock.now += 60.5
    assert post(fake_wechat, ROBOT, robot_text(), key="k1").json()["errcode"] == 0
    assert len(fake_wechat.delivered(ROBOT)) == 22 and len(fake_wechat.sent(ROBOT)) == 23


def test_robot_limit_is_configurable(fake_wechat: FakeWeChatAPI) -> None:
    fake_wechat.robot_limit = 2
    codes = [post(fake_wechat, ROBOT, robot_text(), key="k").json()["errcode"] for _ in range(3)]
    assert codes == [0, 0, 45009]


def test_robot_markdown_unknown_key_and_length(fake_wechat: FakeWeChatAPI) -> None:
    md = {"msgtype": "markdown", "markdown": {"content": "## 今日党史\n> 1921年"}}
    assert post(fake_wechat, ROBOT, md, key="k").json()["errcode"] == 0
    assert post(fake_wechat, ROBOT, robot_text("长" * 700), key="k").json()["errcode"] == 40058
    fake_wechat.robot_keys = {"known"}
    assert post(fake_wechat, ROBOT, md, key="k").json()["errcode"] == 93000


# --- scripted behaviours -------------------------------------------------------
def test_queued_errcode_is_used_once_then_normal(fake_wechat: FakeWeChatAPI) -> None:
    token = fake_wechat.grant_token()
    fake_wechat.queue(CUSTOM, errcode=45015)
    fake_wechat.queue(CUSTOM, errcode=-1)
    codes = [post(fake_wechat, CUSTOM, text_to("oA"), access_token=token).json()["errcode"] for _ in range(3)]
    assert codes == [45015, -1, 0]
    assert len(fake_wechat.delivered(CUSTOM)) == 1


def test_queued_token_error_issues_no_token(fake_wechat: FakeWeChatAPI) -> None:
    fake_wechat.queue("/cgi-bin/token", errcode=-1, errmsg="system busy")
    busy = get(
        fake_wechat,
        "/cgi-bin/token",
        grant_type="client_credential",
        appid=fake_wechat.app_id,
        secret=fake_wechat.app_secret,
    ).json()
    assert busy == {"errcode": -1, "errmsg": "system busy"}
    assert oa_token(fake_wechat)
    assert fake_wechat.token_fetches == 2


def test_queued_http_500(fake_wechat: FakeWeChatAPI) -> None:
    fake_wechat.queue(ROBOT, http_status=500, times=2)
    statuses = [post(fake_wechat, ROBOT, robot_text(), key="k").status_code for _ in range(3)]
    assert statuses == [500, 500, 200]


def test_queued_reset_raises_connection_error(fake_wechat: FakeWeChatAPI) -> None:
    fake_wechat.queue(ROBOT, reset=True)
    with pytest.raises(requests.ConnectionError):
        post(fake_wechat, ROBOT, robot_text(), key="k")
    assert post(fake_wechat, ROBOT, robot_text(), key="k").json()["errcode"] == 0
    assert len(fake_wechat.sent(ROBOT)) == 2 and len(fake_wechat.delivered(ROBOT)) == 1


def test_queued_delay_makes_a_short_timeout_expire(fake_wechat: FakeWeChatAPI) -> None:
    fake_wechat.queue("/cgi-bin/gettoken", delay=2.5)
    with pytest.raises(requests.Timeout):
        requests.get(
            fake_wechat.base_url + "/cgi-bin/gettoken",
            params={"corpid": fake_wechat.corp_id, "corpsecret": fake_wechat.corp_secret},
            timeout=0.2,
        )
    assert wecom_token(fake_wechat)["errcode"] == 0


def test_short_delay_still_answers(fake_wechat: FakeWeChatAPI) -> None:
    fake_wechat.queue(ROBOT, delay=0.05, errcode=45009)
    assert post(fake_wechat, ROBOT, robot_text(), key="k").json()["errcode"] == 45009


def test_queued_json_is_returned_verbatim(fake_wechat: FakeWeChatAPI) -> None:
    fake_wechat.queue(TEMPLATE, json={"errcode": 43004, "errmsg": "require subscribe hint: [x]"})
    r = post(fake_wechat, TEMPLATE, {"touser": "oA", "template_id": "t"}, access_token="any")
    assert r.json() == {"errcode": 43004, "errmsg": "require subscribe hint: [x]"}


# --- recording, reset, concurrency ---------------------------------------------
def test_requests_are_recorded(fake_wechat: FakeWeChatAPI) -> None:
    token = fake_wechat.grant_token()
    post(fake_wechat, CUSTOM, text_to("oA", "记录我"), access_token=token)
    (rec,) = fake_wechat.requests
    assert rec["method"] == "POST" and rec["path"] == CUSTOM
    assert rec["query"] == {"access_token": token}
    assert rec["json"]["text"]["content"] == "记录我"
    assert rec["body"].startswith(b"{") and rec["time"] > 0
    assert (rec["status"], rec["errcode"]) == (200, 0)


def test_reset_forgets_everything(fake_wechat: FakeWeChatAPI) -> None:
    token = oa_token(fake_wechat)
    fake_wechat.queue(CUSTOM, errcode=-1)
    fake_wechat.add_media("m", b"x")
    fake_wechat.robot_limit = 0
    fake_wechat.reset()
    assert fake_wechat.requests == [] and fake_wechat.token_fetches == 0
    assert post(fake_wechat, CUSTOM, text_to("oA"), access_token=token).json()["errcode"] == 40001
    assert post(fake_wechat, ROBOT, robot_text(), key="k").json()["errcode"] == 0
    new = fake_wechat.grant_token()
    assert post(fake_wechat, CUSTOM, text_to("oA"), access_token=new).json()["errcode"] == 0
    assert get(fake_wechat, "/cgi-bin/media/get", access_token=new, media_id="m").json()["errcode"] == 40007


def test_concurrent_requests_are_all_served_and_recorded(fake_wechat: FakeWeChatAPI) -> None:
    token = fake_wechat.grant_token()
    codes: list[int] = []
    lock = threading.Lock()

    def send(i: int) -> None:
        code = post(fake_wechat, CUSTOM, text_to(f"o{i}"), access_token=token).json()["errcode"]
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert codes == [0] * 30
    assert sorted(m["touser"] for m in fake_wechat.sent(CUSTOM)) == sorted(f"o{i}" for i in range(30))


def test_standalone_server_context_manager() -> None:
    with FakeWeChatAPI(app_id="wx_other", app_secret="s", expires_in=10) as api:
        data = get(api, "/cgi-bin/token", grant_type="client_credential", appid="wx_other", secret="s").json()
        assert data["expires_in"] == 10
        url = api.base_url
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/cgi-bin/token", timeout=TIMEOUT)


def _raw_exchange(api: FakeWeChatAPI, request: bytes) -> tuple[bytes, bool]:
    """Send raw bytes; the answer, and whether the server then closed the connection."""
    import socket

    with socket.create_connection(("127.0.0.1", int(api.base_url.rsplit(":", 1)[1])), timeout=TIMEOUT) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed after {answer!r}"
            answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            body += sock.recv(65536)
        sock.settimeout(0.5)
        try:
            closed = sock.recv(1) == b""
        except TimeoutError:
            closed = False
        return answer, closed


def test_keep_alive_server_keeps_http_1_1_and_closes_on_request() -> None:
    query = b"/cgi-bin/token?grant_type=client_credential&appid=%s&secret=%s" % (
        FakeWeChatAPI().app_id.encode(), FakeWeChatAPI().app_secret.encode())
    with FakeWeChatAPI(keep_alive=True) as api:
        answer, closed = _raw_exchange(api, b"GET %s HTTP/1.1\r\nhost: x\r\n\r\n" % query)
        assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and b"access_token" in answer and not closed
        answer, closed = _raw_exchange(api, b"GET %s HTTP/1.1\r\nHost: x\r\nCONNECTION: Close\r\n\r\n" % query)
        assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and closed
        answer, closed = _raw_exchange(api, b"GET %s HTTP/1.0\r\n\r\n" % query)
        assert b"access_token" in answer and closed
    with FakeWeChatAPI() as api:  # the default: HTTP/1.0, one answer per connection
        answer, closed = _raw_exchange(api, b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % query)
        assert answer.startswith(b"HTTP/1.0 200 OK\r\n") and closed


def test_a_malformed_request_line_is_answered_400(fake_wechat: FakeWeChatAPI) -> None:
    answer, closed = _raw_exchange(fake_wechat, b"GET /cgi-bin/token extra HTTP/1.1\r\n\r\n")
    assert answer.startswith(b"HTTP/1.0 400") and closed


# --- wechatpy's own client against the fake --------------------------------------
def make_wechatpy_client(api: FakeWeChatAPI) -> WeChatClient:
    """wechatpy hard-codes the token URL; this subclass points it at the fake."""

    class LocalClient(WeChatClient):
        API_BASE_URL = api.api_base

        def fetch_access_token(self) -> dict:
            return self._fetch_access_token(
                url=api.base_url + "/cgi-bin/token",
                params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
            )

    return LocalClient(api.app_id, api.app_secret)


def test_wechatpy_client_refreshes_an_invalidated_token(fake_wechat: FakeWeChatAPI) -> None:
    client = make_wechatpy_client(fake_wechat)
    client.message.send_text("oA", "第一条")
    fake_wechat.grant_token()  # another process refreshed: the client's token is now stale
    client.message.send_text("oA", "第二条")
    assert [m["text"]["content"] for m in fake_wechat.delivered(CUSTOM)] == ["第一条", "第二条"]
    assert fake_wechat.token_fetches == 2


def test_wechatpy_client_sees_error_codes(fake_wechat: FakeWeChatAPI) -> None:
    client = make_wechatpy_client(fake_wechat)
    fake_wechat.queue(CUSTOM, errcode=45015)
    with pytest.raises(WeChatClientException) as info:
        client.message.send_text("oA", "x")
    assert info.value.errcode == 45015
