"""Answers to images, voice, video, locations, links and files.

Named constants with {named} fields; shared sentences are re-exported from where they live."""

from __future__ import annotations

MEDIA_RECEIVED = {
    "image": "收到您的图片。如需报修，请用文字说明问题和地址，例如“3栋2单元楼道灯不亮”。",
    "video": "收到您的视频。如需报修，请用文字说明问题和地址。",
    "shortvideo": "收到您的小视频。如需报修，请用文字说明问题和地址。",
    "voice": "收到您的语音，但没能识别出文字。请再说一遍或直接打字告诉我。",
    "location": "收到您的位置：{label}。如需报修，请再用文字说明问题。",
    "link": "收到您分享的链接。如有问题需要反映，请直接用文字告诉我。",
    "file": "收到您的文件。如有问题需要反映，请直接用文字告诉我。",
}
UNSUPPORTED_MESSAGE = "暂不支持这种消息，请直接发文字告诉我您的需求。"
MEDIA_LOCATION_UNNAMED = "已收到"
