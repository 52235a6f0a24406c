"""Daily bulletins (今日党史, 社区公告, 健康小贴士 …): dated content, rendering, and later subscriptions and delivery."""
