"""Builders for every inbound XML message the webhook can receive.

Each builder returns the plaintext XML string as WeChat would send it;
`kit.post(xml, mode=...)` then signs and (in safe mode) encrypts it.

Common keyword arguments on every builder:
    from_user:   sender (default: the kit's openid / userid)
    create_time: Unix seconds (default: the kit's clock)
    msg_id:      messages only (default: auto-incremented per kit, starting
                 at 10000000000000001, so a retry is `kit.text("x", msg_id=id)`)

Events carry no MsgId on the real platform (dedupe is FromUserName + CreateTime),
so event builders have no msg_id argument. The last MsgId used is
`kit.last_msg_id`.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from typing import Any

from tests.wechatkit.xmltools import Value, render_xml

FIRST_MSG_ID = 10_000_000_000_000_001


class _Builder:
    """Shared header handling: ToUserName, FromUserName, CreateTime, MsgId."""

    _to_user: str
    _default_from: str
    _clock: Callable[[], float]

    def _init_builder(self) -> None:
        self._msg_ids = itertools.count(FIRST_MSG_ID)
        self.last_msg_id: int | None = None

    def next_msg_id(self) -> int:
        """Reserve and return the next auto MsgId."""
        self.last_msg_id = next(self._msg_ids)
        return self.last_msg_id

    def _header(self, msg_type: str, from_user: str | None, create_time: int | None) -> dict[str, Value]:
        return {
            "ToUserName": self._to_user,
            "FromUserName": from_user if from_user is not None else self._default_from,
            "CreateTime": create_time if create_time is not None else int(self._clock()),
            "MsgType": msg_type,
        }

    def _message(
        self,
        msg_type: str,
        fields: dict[str, Value],
        from_user: str | None,
        create_time: int | None,
        msg_id: int | None,
        trailer: dict[str, Value] | None = None,
    ) -> str:
        doc = self._header(msg_type, from_user, create_time)
        doc.update(fields)
        if msg_id is None:
            msg_id = self.next_msg_id()
        else:
            self.last_msg_id = msg_id
        doc["MsgId"] = msg_id
        doc.update(trailer or {})
        return render_xml(doc)

    def _event(
        self,
        event: str,
        fields: dict[str, Value],
        from_user: str | None,
        create_time: int | None,
    ) -> str:
        doc = self._header("event", from_user, create_time)
        doc["Event"] = event
        doc.update(fields)
        return render_xml(doc)


def _pics(md5s: Sequence[str]) -> dict[str, Value]:
    return {"Count": len(md5s), "PicList": [{"PicMd5Sum": m} for m in md5s]}


class OfficialAccountMessages(_Builder):
    """Inbound messages and events of an Official Account (公众号)."""

    # --- ordinary messages -------------------------------------------------
    def text(
        self,
        content: str = "你好",
        *,
        from_user: str | None = None,
        create_time: int | None = None,
        msg_id: int | None = None,
    ) -> str:
        """A text message."""
        return self._message("text", {"Content": content}, from_user, create_time, msg_id)

    def image(
        self,
        pic_url: str = "http://mmbiz.qpic.cn/fake/pic.jpg",
        media_id: str = "media_image_1",
        *,
        from_user: str | None = None,
        create_time: int | None = None,
        msg_id: int | None = None,
    ) -> str:
        """An image message (PicUrl, MediaId)."""
        fields: dict[str, Value] = {"PicUrl": pic_url, "MediaId": media_id}
        return self._message("image", fields, from_user, create_time, msg_id)

    def voice(
        self,
        media_id: str = "media_voice_1",
        format: str = "amr",
        recognition: str | None = None,
        *,
        from_user: str | None = None,
        create_time: int | None = None,
        msg_id: int | None = None,
    ) -> str:
        """A voice message; `recognition` is WeChat's speech-to-text when enabled."""
        fields: dict[str, Value] = {"MediaId": media_id, "Format": format}
        trailer: dict[str, Value] = {}
        if recognition is not None:
            # WeChat places Recognition after MsgId.
            trailer["Recognition"] = recognition
        return self._message("voice", fields, from_user, create_time, msg_id, trailer)

    def video(
        self,
        media_id: str = "media_video_1",
        thumb_media_id: str = "media_thumb_1",
        *,
        from_user: str | None = None,
        create_time: int | None = None,
        msg_id: int | None = None,
    ) -> str:
        """A video message."""
        fields: dict[str, Value] = {"MediaId": media_id, "ThumbMediaId": thumb_media_id}
        return self._message("video", fields, from_user, create_time, msg_id)

    def shortvideo(
        self,
        media_id: str = "media_shortvideo_1",
        thumb_media_id: str = "media_thumb_1",
        *,
        from_user: str | None = None,
        create_time: int | None = None,
        msg_id: int | None = None,
    ) -> str:
        """A short video message."""
        fields: dict[str, Value] = {"MediaId": media_id, "ThumbMediaId": thumb_media_id}
        return self._message("shortvideo", fields, from_user, create_time, msg_id)

    def location(
        self,
        x: float = 31.230416,
        y: float = 121.473701,
        scale: int = 15,
        label: str = "上海市黄浦区人民大道200号",
        *,
        from_user: str | None = None,
        create_time: int | None = None,
        msg_id: int | None = None,
    ) -> str:
        """A location message (Location_X is latitude, Location_Y longitude)."""
        fields: dict[str, Value] = {"Location_X": x, "Location_Y": y, "Scale": scale, "Label": label}
        return self._message("location", fields, from_user, create_time, msg_id)

    def link(
        self,
        title: str = "小区通知",
        description: str = "关于停水的通知",
        url: str = "http://example.com/notice",
        *,
        from_user: str | None = None,
        create_time: int | None = None,
        msg_id: int | None = None,
    ) -> str:
        """A link message."""
        fields: dict[str, Value] = {"Title": title, "Description": description, "Url": url}
        return self._message("link", fields, from_user, create_time, msg_id)

    def file(
        self,
        title: str = "报修照片.zip",
        description: str = "2.1 MB",
        file_key: str = "filekey_1",
        file_md5: str = "d41d8cd98f00b204e9800998ecf8427e",
        file_total_len: int = 2_202_009,
        *,
        from_user: str | None = None,
        create_time: int | None = None,
        msg_id: int | None = None,
    ) -> str:
        """A file message (wechatpy 1.8.18 has no class for it: UnknownMessage)."""
        fields: dict[str, Value] = {
            "Title": title,
            "Description": description,
            "FileKey": file_key,
            "FileMd5": file_md5,
            "FileTotalLen": file_total_len,
        }
        return self._message("file", fields, from_user, create_time, msg_id)

    # --- events ------------------------------------------------------------
    def subscribe(
        self,
        scene: str | int | None = None,
        ticket: str = "gQFfake_ticket",
        *,
        from_user: str | None = None,
        create_time: int | None = None,
    ) -> str:
        """Follow the account; with `scene`, followed by scanning a parametric QR code."""
        fields: dict[str, Value] = {}
        if scene is not None:
            fields = {"EventKey": f"qrscene_{scene}", "Ticket": ticket}
        return self._event("subscribe", fields, from_user, create_time)

    def unsubscribe(self, *, from_user: str | None = None, create_time: int | None = None) -> str:
        """Unfollow the account (no reply is delivered)."""
        return self._event("unsubscribe", {}, from_user, create_time)

    def scan(
        self,
        scene: str | int = "123",
        ticket: str = "gQFfake_ticket",
        *,
        from_user: str | None = None,
        create_time: int | None = None,
    ) -> str:
        """An existing follower scanned a parametric QR code."""
        return self._event("SCAN", {"EventKey": str(scene), "Ticket": ticket}, from_user, create_time)

    def location_event(
        self,
        latitude: float = 23.137466,
        longitude: float = 113.352425,
        precision: float = 119.385040,
        *,
        from_user: str | None = None,
        create_time: int | None = None,
    ) -> str:
        """Periodic location report (LOCATION event)."""
        fields: dict[str, Value] = {"Latitude": latitude, "Longitude": longitude, "Precision": precision}
        return self._event("LOCATION", fields, from_user, create_time)

    def click(self, key: str = "MENU_REPAIR", *, from_user: str | None = None, create_time: int | None = None) -> str:
        """A custom menu click."""
        return self._event("CLICK", {"EventKey": key}, from_user, create_time)

    def view(
        self, url: str = "http://example.com/menu", *, from_user: str | None = None, create_time: int | None = None
    ) -> str:
        """A custom menu link opened."""
        return self._event("VIEW", {"EventKey": url}, from_user, create_time)

    def template_send_job_finish(
        self,
        status: str = "success",
        msg_id: int = 200163836,
        *,
        from_user: str | None = None,
        create_time: int | None = None,
    ) -> str:
        """Delivery report of a template message; status e.g. "failed:user block"."""
        return self._event("TEMPLATESENDJOBFINISH", {"MsgID": msg_id, "Status": status}, from_user, create_time)

    def mass_send_job_finish(
        self,
        status: str = "send success",
        msg_id: int = 1988,
        total_count: int = 100,
        filter_count: int = 80,
        sent_count: int = 75,
        error_count: int = 5,
        *,
        from_user: str | None = None,
        create_time: int | None = None,
    ) -> str:
        """Delivery report of a mass message."""
        fields: dict[str, Value] = {
            "MsgID": msg_id,
            "Status": status,
            "TotalCount": total_count,
            "FilterCount": filter_count,
            "SentCount": sent_count,
            "ErrorCount": error_count,
        }
        return self._event("MASSSENDJOBFINISH", fields, from_user, create_time)

    def _scancode(
        self, event: str, key: str, scan_type: str, scan_result: str, from_user: str | None, create_time: int | None
    ) -> str:
        fields: dict[str, Value] = {
            "EventKey": key,
            "ScanCodeInfo": {"ScanType": scan_type, "ScanResult": scan_result},
        }
        return self._event(event, fields, from_user, create_time)

    def scancode_push(
        self,
        key: str = "MENU_SCAN",
        scan_type: str = "qrcode",
        scan_result: str = "https://example.com/qr/1",
        *,
        from_user: str | None = None,
        create_time: int | None = None,
    ) -> str:
        """Menu scan, result pushed to the account."""
        return self._scancode("scancode_push", key, scan_type, scan_result, from_user, create_time)

    def scancode_waitmsg(
        self,
        key: str = "MENU_SCAN_WAIT",
        scan_type: str = "qrcode",
        scan_result: str = "1",
        *,
        from_user: str | None = None,
        create_time: int | None = None,
    ) -> str:
        """Menu scan showing "message receiving" while awaiting the account's reply."""
        return self._scancode("scancode_waitmsg", key, scan_type, scan_result, from_user, create_time)

    def _pic_event(
        self, event: str, key: str, md5s: Sequence[str], from_user: str | None, create_time: int | None
    ) -> str:
        fields: dict[str, Value] = {"EventKey": key, "SendPicsInfo": _pics(md5s)}
        return self._event(event, fields, from_user, create_time)

    def pic_sysphoto(
        self,
        key: str = "MENU_PHOTO",
        md5s: Sequence[str] = ("1b5f7c23b5bf75682a53e7b6d163e185",),
        *,
        from_user: str | None = None,
        create_time: int | None = None,
    ) -> str:
        """Menu: take a photo with the system camera."""
        return self._pic_event("pic_sysphoto", key, md5s, from_user, create_time)

    def pic_photo_or_album(
        self,
        key: str = "MENU_PHOTO_ALBUM",
        md5s: Sequence[str] = ("5a75aaca956d97be686719218f275c6b",),
        *,
        from_user: str | None = None,
        create_time: int | None = None,
    ) -> str:
        """Menu: photo or album."""
        return self._pic_event("pic_photo_or_album", key, md5s, from_user, create_time)

    def pic_weixin(
        self,
        key: str = "MENU_WEIXIN_ALBUM",
        md5s: Sequence[str] = ("5a75aaca956d97be686719218f275c6b",),
        *,
        from_user: str | None = None,
        create_time: int | None = None,
    ) -> str:
        """Menu: WeChat album picker."""
        return self._pic_event("pic_weixin", key, md5s, from_user, create_time)

    def location_select(
        self,
        key: str = "MENU_LOCATION",
        x: float = 23.0,
        y: float = 113.0,
        scale: int = 15,
        label: str = "广州市海珠区客村艺苑路 106号",
        poiname: str = "",
        *,
        from_user: str | None = None,
        create_time: int | None = None,
    ) -> str:
        """Menu: location picker."""
        info: dict[str, Any] = {"Location_X": x, "Location_Y": y, "Scale": scale, "Label": label, "Poiname": poiname}
        return self._event("location_select", {"EventKey": key, "SendLocationInfo": info}, from_user, create_time)


class WeComMessages(_Builder):
    """Inbound messages and events of a WeCom (企业微信) app; all carry AgentID."""

    agent_id: int

    def _agent(self) -> dict[str, Value]:
        return {"AgentID": self.agent_id}

    def text(
        self,
        content: str = "你好",
        *,
        from_user: str | None = None,
        create_time: int | None = None,
        msg_id: int | None = None,
    ) -> str:
        """A text message."""
        return self._message("text", {"Content": content}, from_user, create_time, msg_id, self._agent())

    def image(
        self,
        pic_url: str = "http://p.qpic.cn/fake/pic.jpg",
        media_id: str = "media_image_1",
        *,
        from_user: str | None = None,
        create_time: int | None = None,
        msg_id: int | None = None,
    ) -> str:
        """An image message."""
        fields: dict[str, Value] = {"PicUrl": pic_url, "MediaId": media_id}
        return self._message("image", fields, from_user, create_time, msg_id, self._agent())

    def voice(
        self,
        media_id: str = "media_voice_1",
        format: str = "amr",
        *,
        from_user: str | None = None,
        create_time: int | None = None,
        msg_id: int | None = None,
    ) -> str:
        """A voice message."""
        fields: dict[str, Value] = {"MediaId": media_id, "Format": format}
        return self._message("voice", fields, from_user, create_time, msg_id, self._agent())

    def location(
        self,
        x: float = 31.230416,
        y: float = 121.473701,
        scale: int = 15,
        label: str = "上海市黄浦区人民大道200号",
        *,
        from_user: str | None = None,
        create_time: int | None = None,
        msg_id: int | None = None,
    ) -> str:
        """A location message."""
        fields: dict[str, Value] = {"Location_X": x, "Location_Y": y, "Scale": scale, "Label": label}
        return self._message("location", fields, from_user, create_time, msg_id, self._agent())

    def _wecom_event(self, event: str, key: str | None, from_user: str | None, create_time: int | None) -> str:
        fields: dict[str, Value] = {}
        if key is not None:
            fields["EventKey"] = key
        fields.update(self._agent())
        return self._event(event, fields, from_user, create_time)

    def subscribe(self, *, from_user: str | None = None, create_time: int | None = None) -> str:
        """The member followed the app."""
        return self._wecom_event("subscribe", None, from_user, create_time)

    def enter_agent(self, *, from_user: str | None = None, create_time: int | None = None) -> str:
        """The member opened the app."""
        return self._wecom_event("enter_agent", "", from_user, create_time)

    def click(self, key: str = "MENU_TASKS", *, from_user: str | None = None, create_time: int | None = None) -> str:
        """A menu click in the app."""
        return self._wecom_event("click", key, from_user, create_time)


def default_clock() -> float:
    """Wall clock; kits accept any `() -> float` instead."""
    return time.time()
