"""POST /api/v1/campaigns/{campaignId}/code-waves: codes to the verified entries without one, highest
score first; 201 with the assignments and the codes left over (services/code_waves.py)."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.campaigns import CodeWave, CodeWaveResult
from contact_platform.services import code_waves


@endpoint("create_code_wave")
def create_code_wave(campaignId: str, body: CodeWave) -> CodeWaveResult:
    return code_waves.run_wave(caller(), campaignId, body)


handler = create_code_wave.handler
