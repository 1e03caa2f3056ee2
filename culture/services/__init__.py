"""Write-side functions of the reporting app."""
