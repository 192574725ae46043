"""The customer pages' demo: two online applications anyone can look up with a fixed phone."""

from applications.models import Application
from portal import demo


def test_the_demo_applications_can_be_looked_up_and_the_energized_one_rated(client, staff):
    lines = demo.load(customer_manager=staff["customer_manager"])
    # The one in progress was made 2 days ago, the energized one 9 days ago.
    progress, energized = Application.objects.filter(channel="online").order_by("-accepted_at")
    assert progress.number in lines[0] and energized.number in lines[0]
    assert (progress.state, energized.energized_at is not None) == ("scheme", True)
    client.post("/progress/", {"number": energized.number, "phone": demo.DEMO_PHONES["energized"]})
    assert 'id="rating-form"' in client.get("/progress/").content.decode()
    assert demo.load(customer_manager=staff["customer_manager"]) == [
        "客户网页演示数据已存在，未重复载入。"
    ]
