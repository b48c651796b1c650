"""The interviews stage: transcripts, register and codebook (inputs), coded segments (coding), inter-coder agreement (agreement), and masking of personal data (privacy)."""
