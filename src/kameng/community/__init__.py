"""用户社群: buyers' questions and answers, votes, accepted and official answers, reputation,
reports and moderation."""
